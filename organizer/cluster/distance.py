# SPDX-License-Identifier: MIT
"""Eq. 1 of Savchenko (2019): squared Euclidean distance of embeddings plus a weighted age term.

``d(r, j) = ||x_r - x_j||^2 + w * (a_r - a_j)^2 / (a_r + a_j)`` where ``x`` are L2-normalised (optionally
centred) embeddings and ``a`` the current age implied by each face's birth-year estimate. Ages are rounded
to whole years (1..AGE_MAX) so that the age term of an average over many pairs can be computed exactly from
per-cluster age histograms (see :func:`age_table`); a missing age contributes 0.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

AGE_MAX = 120
#: Histogram bins: index 0 = unknown age, 1..AGE_MAX = age in whole years.
AGE_BINS = AGE_MAX + 1
MEAN_EMBEDDING_FILE = Path(__file__).with_name("mean_embedding.npy")


@lru_cache(maxsize=1)
def stored_mean_embedding() -> NDArray[np.float32] | None:
    """The fixed mean embedding used for centring (made by bench/cluster_make_mean.py), None if absent."""
    if not MEAN_EMBEDDING_FILE.is_file():
        return None
    v: NDArray[np.float32] = np.load(MEAN_EMBEDDING_FILE).astype(np.float32).reshape(-1)
    v.setflags(write=False)
    return v


def l2_normalise(x: NDArray[np.floating]) -> NDArray[np.float32]:
    """The rows of ``x`` scaled to unit length, as a new float32 array (a zero row stays zero).

    The norms by ``einsum``: ``np.linalg.norm`` squares the whole matrix into a temporary first, which at
    100 000 × 1 152 costs more than the division itself."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float32))
    out: NDArray[np.float32] = np.divide(x, np.maximum(norms, 1e-12)[:, None], dtype=np.float32)
    return out


def prepare_embeddings(emb: NDArray[np.float32], centre: bool,
                       centre_vector: NDArray[np.float32] | None = None) -> NDArray[np.float32]:
    """L2-normalise, after subtracting the mean embedding when ``centre`` (the stored one unless given)."""
    x = np.asarray(emb, dtype=np.float32)
    if centre:
        mu = centre_vector if centre_vector is not None else stored_mean_embedding()
        if mu is None:
            # the tuned thresholds assume centring: silently skipping it would merge different persons
            raise FileNotFoundError(f"mean embedding for centring missing: {MEAN_EMBEDDING_FILE}")
        if mu.shape[-1] != x.shape[1]:
            raise ValueError(f"mean embedding has {mu.shape[-1]} dims, embeddings {x.shape[1]}")
        x = x - mu.astype(np.float32)
    return l2_normalise(x)


def current_ages(birth_years: NDArray[np.float64], current_year: int | None) -> NDArray[np.int64]:
    """Whole-year current ages 1..AGE_MAX from birth years; 0 where the birth year is unknown."""
    year = current_year if current_year is not None else datetime.date.today().year
    by = np.asarray(birth_years, dtype=np.float64)
    ages = np.zeros(by.shape, dtype=np.int64)
    ok = np.isfinite(by)
    ages[ok] = np.clip(np.rint(year - by[ok]), 1, AGE_MAX).astype(np.int64)
    return ages


@lru_cache(maxsize=8)
def age_table(w: float) -> NDArray[np.float64]:
    """``T[a, b] = w (a - b)^2 / (a + b)`` for whole ages; row/column 0 (unknown) is all zeros."""
    a = np.arange(AGE_BINS, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = w * (a[:, None] - a[None, :]) ** 2 / (a[:, None] + a[None, :])
    t[0, :] = 0.0
    t[:, 0] = 0.0
    t.setflags(write=False)
    return t


def pairwise_distances(x: NDArray[np.float32], ages: NDArray[np.int64], w: float,
                       dtype: type[np.floating[Any]] = np.float64) -> NDArray[np.floating[Any]]:
    """Dense ``[n, n]`` matrix of eq. 1 for prepared (unit) embeddings and whole-year ages."""
    g = x @ x.T
    d: NDArray[np.floating[Any]] = (2.0 - 2.0 * g).astype(dtype, copy=False)
    if w:
        d += age_table(float(w))[np.ix_(ages, ages)].astype(dtype, copy=False)
    np.maximum(d, 0.0, out=d)
    np.fill_diagonal(d, 0.0)
    return d
