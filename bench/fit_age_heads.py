# SPDX-License-Identifier: MIT
"""Read-out heads on the frozen networks' outputs: a ridge regression for age, a logistic one for gender.

    python bench/age_heads.py            # first: the cache of per-face outputs (/tmp/organizer-age-heads.npz)
    python bench/fit_age_heads.py [--cache /tmp/organizer-age-heads.npz] [--dlib-pcs 16]

No network is trained. A head reads what the analyzer already computes per face and the library stores (the
averaged age posterior of faceres and faceres-deep, their P(male), optionally principal components of the
L2-normalised identity embeddings and the expression probabilities), so it could be applied to stored faces
without decoding a photo again. The age head predicts log(age + 1) by ridge regression on standardised
features, then a monotone map (:class:`~organizer.vision.age_calibration.AgeCalibration`) fitted on
out-of-fold predictions turns it into years; the gender head is an L2-regularised logistic regression whose
output is the calibrated P(male) (0.5 is an even chance). The regularisation is chosen by cross-validation
within the faces a head is fitted on; ``bench/age_heads.py`` measures the heads with nested cross-validation.
None gained enough to ship (README, figures); ``main`` fits them on all developer faces and prints their size.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# one BLAS thread: the many small solves of the nested cross-validation run several times slower when threads
# compete for the cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.vision.age_calibration import AgeCalibration

F64 = NDArray[np.float64]
#: The age classes of the networks' posteriors.
_AGES = np.arange(1, 101, dtype=np.float64)
_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Ridge penalties (on standardised features) tried by the inner cross-validation.
ALPHAS = (0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
#: Logistic penalties tried by the inner cross-validation.
GENDER_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)
INNER_FOLDS = 5


@dataclass(frozen=True, slots=True)
class Design:
    """What a head reads: always the posterior's summaries and P(male); ``emb_pcs`` / ``dlib_pcs`` principal
    components of faceres' and dlib's embeddings; ``expression``: the seven expression probabilities."""

    emb_pcs: int = 0
    dlib_pcs: int = 0
    expression: bool = False


@dataclass(frozen=True, slots=True)
class Inputs:
    """Per-face outputs a head reads, one row per face.

    Attributes:
        probs: the age posterior over 1..100 (faceres and faceres-deep averaged, as stored).
        p_male: the networks' averaged P(male), before the threshold shift.
        embedding: faceres' L2-normalised identity embedding ``[n, 1024]``.
        dlib: dlib's L2-normalised embedding ``[n, 128]`` (zeros where the face has none).
        expression: the expression probabilities ``[n, 7]`` (uniform where not measured).
    """

    probs: F64
    p_male: F64
    embedding: F64
    dlib: F64
    expression: F64

    def take(self, idx: NDArray[np.intp]) -> Inputs:
        return Inputs(self.probs[idx], self.p_male[idx], self.embedding[idx], self.dlib[idx], self.expression[idx])

    def __len__(self) -> int:
        return len(self.p_male)


def _logit(p: F64) -> F64:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def posterior_summary(probs: F64, p_male: F64) -> F64:
    """Expected age, spread, quantiles (log scale), P(male)'s logit and its products with the log mean age:
    the men's and women's ages are read differently (the gendered calibration's finding)."""
    p = probs / np.maximum(probs.sum(axis=1, keepdims=True), 1e-12)
    mean = p @ _AGES
    std = np.sqrt(np.maximum(p @ _AGES**2 - mean**2, 0.0))
    cdf = np.cumsum(p, axis=1)
    qs = [_AGES[np.minimum(np.argmax(cdf >= q, axis=1), 99)] for q in _QUANTILES]
    lm, z = np.log1p(mean), _logit(p_male)
    return np.column_stack([lm, mean, np.log1p(std), *(np.log1p(q) for q in qs), z, z * lm, (z > 0) * lm])


@dataclass(frozen=True, slots=True)
class _Projection:
    """Centring and the top principal directions of one embedding block (fitted on the training faces)."""

    mean: F64
    components: F64

    @classmethod
    def fit(cls, x: F64, k: int) -> _Projection:
        mean = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        return cls(mean, vt[:k])

    def __call__(self, x: F64) -> F64:
        return np.asarray((x - self.mean) @ self.components.T)


@dataclass(frozen=True, slots=True)
class _Features:
    """A design's feature map with its fitted projections and standardisation."""

    design: Design
    emb: _Projection | None
    dlib: _Projection | None
    centre: F64
    scale: F64

    @classmethod
    def fit(cls, inputs: Inputs, design: Design) -> _Features:
        emb = _Projection.fit(inputs.embedding, design.emb_pcs) if design.emb_pcs else None
        dlib = _Projection.fit(inputs.dlib, design.dlib_pcs) if design.dlib_pcs else None
        raw = cls._raw(inputs, design, emb, dlib)
        return cls(design, emb, dlib, raw.mean(axis=0), np.maximum(raw.std(axis=0), 1e-9))

    @staticmethod
    def _raw(inputs: Inputs, design: Design, emb: _Projection | None, dlib: _Projection | None) -> F64:
        parts = [posterior_summary(inputs.probs, inputs.p_male)]
        if emb is not None:
            parts.append(emb(inputs.embedding))
        if dlib is not None:
            parts.append(dlib(inputs.dlib))
        if design.expression:
            parts.append(inputs.expression)
        return np.column_stack(parts)

    def __call__(self, inputs: Inputs) -> F64:
        return (self._raw(inputs, self.design, self.emb, self.dlib) - self.centre) / self.scale

    @property
    def n_params(self) -> int:
        proj = sum(p.components.size + p.mean.size for p in (self.emb, self.dlib) if p is not None)
        return proj + self.centre.size + self.scale.size


def inner_folds(groups: NDArray[np.int_], k: int = INNER_FOLDS) -> list[NDArray[np.intp]]:
    """``k`` folds, every group (faces of one person) within one fold; the same split for the same groups."""
    uniq = np.random.default_rng(1).permutation(np.unique(groups))
    where = {g: j % k for j, g in enumerate(uniq)}
    fold = np.array([where[g] for g in groups])
    return [np.flatnonzero(fold == j) for j in range(k)]


def _ridge(x: F64, y: F64, alpha: float) -> tuple[F64, float]:
    """Ridge weights and intercept (intercept not penalised; ``x`` is standardised)."""
    xm, ym = x.mean(axis=0), y.mean()
    xc = x - xm
    w = np.linalg.solve(xc.T @ xc + alpha * np.eye(x.shape[1]), xc.T @ (y - ym))
    return w, float(ym - xm @ w)


@dataclass(frozen=True, slots=True)
class AgeHead:
    """Ridge on log(age + 1), then a monotone map to years."""

    features: _Features
    weights: F64
    bias: float
    calibration: AgeCalibration
    alpha: float

    def raw(self, inputs: Inputs) -> F64:
        """The ridge's age in years, before the monotone map."""
        return np.expm1(self.features(inputs) @ self.weights + self.bias)

    def predict(self, inputs: Inputs) -> F64:
        return self.calibration(self.raw(inputs))

    @property
    def n_params(self) -> int:
        return self.features.n_params + self.weights.size + 1 + 2 * len(self.calibration.xs)


def _fit_ridge_age(inputs: Inputs, true: F64, design: Design, alpha: float) -> tuple[_Features, F64, float]:
    feats = _Features.fit(inputs, design)
    w, b = _ridge(feats(inputs), np.log1p(true), alpha)
    return feats, w, b


def fit_age_head(inputs: Inputs, true: F64, groups: NDArray[np.int_], design: Design,
                 alphas: tuple[float, ...] = ALPHAS) -> AgeHead:
    """Choose alpha by grouped cross-validation within ``inputs``, fit the calibration on those out-of-fold
    predictions (so it corrects the ridge as it errs on unseen faces), refit the ridge on all of them."""
    folds = inner_folds(groups)
    oof = np.zeros((len(alphas), len(true)))
    for test in folds:
        train = np.setdiff1d(np.arange(len(true)), test)
        tr, te = inputs.take(train), inputs.take(test)
        feats = _Features.fit(tr, design)
        xtr, xte = feats(tr), feats(te)
        for i, a in enumerate(alphas):
            w, b = _ridge(xtr, np.log1p(true[train]), a)
            oof[i, test] = np.expm1(xte @ w + b)
    best = int(np.argmin(np.abs(oof - true).mean(axis=1)))
    cal = AgeCalibration.fit(oof[best], true)
    feats, w, b = _fit_ridge_age(inputs, true, design, alphas[best])
    return AgeHead(feats, w, b, cal, alphas[best])


def _logistic(x: F64, y: F64, alpha: float, iters: int = 50) -> tuple[F64, float]:
    """L2-regularised logistic regression by Newton's method (intercept not penalised)."""
    xa = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(xa.shape[1])
    pen = np.full(xa.shape[1], alpha)
    pen[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xa @ w, -30, 30)))
        grad = xa.T @ (p - y) + pen * w
        hess = (xa * (p * (1 - p))[:, None]).T @ xa + np.diag(pen) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


@dataclass(frozen=True, slots=True)
class GenderHead:
    """Logistic regression on the same kind of features: its output is the calibrated P(male)."""

    features: _Features
    weights: F64
    bias: float
    alpha: float

    def p_male(self, inputs: Inputs) -> F64:
        return np.asarray(1 / (1 + np.exp(-np.clip(self.features(inputs) @ self.weights + self.bias, -30, 30))))

    @property
    def n_params(self) -> int:
        return self.features.n_params + self.weights.size + 1


def fit_gender_head(inputs: Inputs, male: NDArray[np.bool_], groups: NDArray[np.int_], design: Design,
                    alphas: tuple[float, ...] = GENDER_ALPHAS) -> GenderHead:
    """Choose alpha by grouped cross-validation (log loss) within ``inputs``, then fit on all of them."""
    y = male.astype(np.float64)
    loss = np.zeros(len(alphas))
    for test in inner_folds(groups):
        train = np.setdiff1d(np.arange(len(y)), test)
        tr, te = inputs.take(train), inputs.take(test)
        feats = _Features.fit(tr, design)
        xtr, xte = feats(tr), feats(te)
        for i, a in enumerate(alphas):
            w, b = _logistic(xtr, y[train], a)
            p = np.clip(1 / (1 + np.exp(-np.clip(xte @ w + b, -30, 30))), 1e-6, 1 - 1e-6)
            loss[i] -= float((y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p)).sum())
    best = int(np.argmin(loss))
    feats = _Features.fit(inputs, design)
    w, b = _logistic(feats(inputs), y, alphas[best])
    return GenderHead(feats, w, b, alphas[best])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/organizer-age-heads.npz"))
    ap.add_argument("--emb-pcs", type=int, default=0, help="principal components of faceres' embedding")
    ap.add_argument("--dlib-pcs", type=int, default=16, help="principal components of dlib's embedding")
    ap.add_argument("--mirror", action="store_true", help="inputs averaged over the crop and its mirror image")
    args = ap.parse_args()
    from age_heads import inputs_of  # the cache's layout (bench/age_heads.py builds it)
    from age_heads import person_groups

    d = dict(np.load(args.cache, allow_pickle=False))
    inputs = inputs_of(d, args.mirror)
    true, male = d["age"].astype(np.float64), d["gender"] == "M"
    groups = person_groups(inputs.embedding)
    design = Design(emb_pcs=args.emb_pcs, dlib_pcs=args.dlib_pcs)
    age = fit_age_head(inputs, true, groups, design)
    gender = fit_gender_head(inputs, male, groups, design)
    print(f"{len(true)} developer UTKFace faces, {design}")
    print(f"age head: alpha {age.alpha}, {age.n_params} parameters ({age.weights.size} ridge weights); "
          f"in-sample MAE {np.abs(age.predict(inputs) - true).mean():.2f} (bench/age_heads.py: cross-validated)")
    print(f"gender head: alpha {gender.alpha}, {gender.n_params} parameters ({gender.weights.size} weights); "
          f"in-sample accuracy {((gender.p_male(inputs) >= 0.5) == male).mean() * 100:.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
