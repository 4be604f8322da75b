# SPDX-License-Identifier: MIT
"""Clustering quality measures (pure numpy, for tests and benchmarks): BCubed precision / recall / F and clusters
per class."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def singletons_for_unsorted(pred: ArrayLike) -> np.ndarray:
    """Labels where each unsorted item (label < 0) is its own cluster."""
    p = np.asarray(pred, dtype=np.int64).copy()
    neg = p < 0
    base = (p.max() + 1) if p.size and p.max() >= 0 else 0
    p[neg] = base + np.arange(int(neg.sum()))
    return p


def _contingency(truth: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _, t = np.unique(truth, return_inverse=True)
    _, p = np.unique(pred, return_inverse=True)
    pairs = t.reshape(-1).astype(np.int64) * (p.max() + 1) + p.reshape(-1)
    _, inv, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    return t.reshape(-1), p.reshape(-1), counts[inv.reshape(-1)]


def bcubed(truth: ArrayLike, pred: ArrayLike) -> tuple[float, float, float]:
    """BCubed precision, recall and F1 of ``pred`` against ``truth`` (unsorted -1 counted as singletons)."""
    truth = np.asarray(truth)
    pred = singletons_for_unsorted(pred)
    if truth.size == 0:
        return 1.0, 1.0, 1.0
    t, p, both = _contingency(truth, pred)
    size_p = np.bincount(p)[p]
    size_t = np.bincount(t)[t]
    prec = float(np.mean(both / size_p))
    rec = float(np.mean(both / size_t))
    f = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return prec, rec, f


def clusters_per_class(truth: ArrayLike, pred: ArrayLike) -> float:
    """Number of predicted clusters (unsorted items each count as one) divided by number of true classes."""
    return len(np.unique(singletons_for_unsorted(pred))) / max(1, len(np.unique(np.asarray(truth))))
