# SPDX-License-Identifier: MIT
"""A person's birth year from all their dated faces: a robust weighted fit, and the faces that contradict it.

Each dated face ``i`` says ``b_i = year(photo) - age_i`` with an uncertainty ``sigma_i`` that grows with the
age (the network's error: about 1 year for a toddler, 9-13 for a middle-aged adult, measured on the developer
UTKFace faces, see :data:`SIGMA_KNOTS`; taken at the person's age at that photo by the current fit, not at the
face's own predicted age, which would give the faces predicted too young more weight) and with smaller faces
(:data:`SIZE_KNOTS`). The year is the Huber M-estimate of the ``b_i`` with weights ``1 / sigma_i**2``, so a
child's faces pin it tighter than a dozen adult faces and a face far off moves it little. Then two sanity
flags, each a likely wrong face:

* **before birth**: the photo was taken before the birth year's range begins;
* **age mismatch**: ``|b_i - year| > FLAG_K * sigma_i``: the face looks far too old or too young for the person
  (``sigma_i`` the smaller of the error at the person's age at that photo and at the face's predicted age).

Flagged faces are left out and the year fitted again, to a fixed point (a few rounds); a face is flagged against
the final year. Persons with fewer than :data:`FLAG_MIN_FACES` dated faces get no flags (with two faces nothing
says which one is wrong). Everything is vectorised over persons (:func:`fit_birth_years`); the per-person
:func:`fit_birth_year` is the same computation with one group. ``bench/birth_year_sim.py`` measures it and tuned
its constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from numpy.typing import NDArray

from organizer.cluster.model import BirthYearEstimate

#: The age model's error (a robust standard deviation, years) against its predicted age: piecewise linear between
#: these knots, flat beyond them. Fitted by ``bench/birth_year_sim.py --print-sigma`` on half 0 of the developer
#: UTKFace faces (out-of-fold calibrated ages, as the app's calibration predicts on faces it never saw).
SIGMA_KNOTS: tuple[tuple[float, ...], tuple[float, ...]] = (
    (1.8, 7.8, 19.1, 30.5, 37.5, 52.0, 60.1, 69.4, 79.7),
    (1.0, 2.8, 4.4, 6.7, 8.8, 12.6, 9.1, 8.9, 7.0),
)
#: The multiplier of ``sigma`` for a face of that size (its box's side, pixels; flat beyond the knots; unknown: 1).
#: Measured by ``bench/birth_year_sim.py`` with the developer faces shrunk to these sizes before the network
#: (tuning half 1.23, 1.08, 0.96; never below 1: a smaller face is not taken as better). Sharpness and frontality
#: do not predict the age error on those faces (correlation -0.03 and 0.00), so they are not used.
SIZE_KNOTS: tuple[tuple[float, ...], tuple[float, ...]] = ((24.0, 36.0, 56.0, 100.0), (1.23, 1.08, 1.0, 1.0))
#: Huber's constant (standardised residuals beyond it get weight ``HUBER_C / |r|``): 95 % efficiency if normal.
HUBER_C = 1.345
#: A face whose ``b_i`` is more than this many ``sigma_i`` from the person's year is an "age mismatch". Chosen on
#: the simulation's tuning half (``bench/birth_year_sim.py``): the birth year's error hardly depends on it (MAE
#: 2.05-2.08 years for k = 2.5-4), the flags' precision does (54 % at 2.5, 87 % at 4, recall 70 % -> 58 %); a flag
#: is a question to the user, so the precise end.
FLAG_K = 4.0
#: Fewer dated faces than this: no flags.
FLAG_MIN_FACES = 3
#: The shown range is ``year +- max(MIN_HALF_RANGE, Z * standard error)``.
MIN_HALF_RANGE = 1.0
Z = 1.96
#: A person's faces share an error the standard error does not see (the calibration's bias at that age, a person
#: who looks older than they are): this share of their typical sigma is added to it (in quadrature). Chosen on the
#: simulation's tuning half: 93 % of true years within the range (0.25: 95 %, wider for everyone).
SYSTEMATIC = 0.15
#: Rounds of flag-and-refit (at most); Huber iterations in each (at most), until the year moves less than this.
ROUNDS = 4
ITERATIONS = 50
TOLERANCE = 1e-3


def face_sigma(ages: ArrayLike, sides: ArrayLike | None = None) -> NDArray[np.float64]:
    """Each face's birth-year uncertainty (years) from its predicted age and its size in pixels (NaN or
    None: unknown, taken as an adult's age or a large face)."""
    a = np.asarray(ages, dtype=np.float64).reshape(-1)
    sig = np.interp(np.where(np.isfinite(a), a, 35.0), *SIGMA_KNOTS)
    if sides is not None:
        s = np.asarray(sides, dtype=np.float64).reshape(-1)
        sig = sig * np.where(np.isfinite(s), np.interp(np.nan_to_num(s, nan=1e9), *SIZE_KNOTS), 1.0)
    return sig


@dataclass(frozen=True, slots=True)
class BirthYearFit:
    """The fit for ``n`` groups (persons) over their faces."""

    #: Per group the year (fractional, NaN without any dated face), the half width of its range, the faces used.
    year: NDArray[np.float64]
    half: NDArray[np.float64]
    n_used: NDArray[np.int64]
    #: Per face: the photo was taken before the group's birth-year range; the face's age contradicts the year.
    before_birth: NDArray[np.bool_]
    mismatch: NDArray[np.bool_]

    @property
    def flagged(self) -> NDArray[np.bool_]:
        """Faces left out of the fit."""
        return self.before_birth | self.mismatch

    def estimate(self, k: int = 0) -> BirthYearEstimate:
        """Group ``k`` as the :class:`BirthYearEstimate` the app shows."""
        y = float(self.year[k])
        if not np.isfinite(y):
            return BirthYearEstimate(year=None, low=None, high=None, n_faces=0)
        h = float(self.half[k])
        return BirthYearEstimate(year=y, low=y - h, high=y + h, n_faces=int(self.n_used[k]))

    def estimates(self) -> list[BirthYearEstimate]:
        return [self.estimate(k) for k in range(len(self.year))]


def fit_birth_year(birth_years: ArrayLike, ages: ArrayLike, sides: ArrayLike | None = None,
                   k: float = FLAG_K) -> BirthYearFit:
    """:func:`fit_birth_years` for one person."""
    b = np.asarray(birth_years, dtype=np.float64).reshape(-1)
    return fit_birth_years(b, ages, np.zeros(b.size, np.int64), 1, sides, k)


def fit_birth_years(birth_years: ArrayLike, ages: ArrayLike, groups: ArrayLike, n_groups: int,
                    sides: ArrayLike | None = None, k: float = FLAG_K) -> BirthYearFit:
    """The robust fit of every group at once.

    ``birth_years``: per face ``year(photo) - predicted age`` (NaN: undated, ignored); ``ages``: the predicted ages
    (the photo's year is ``birth_years + ages``; NaN: ignored too); ``groups``: each face's group
    ``0..n_groups-1``; ``sides``: each face's size in pixels (None: all large); ``k``: the age-mismatch flag's limit
    in ``sigma_i``.
    """
    b = np.asarray(birth_years, dtype=np.float64).reshape(-1)
    a = np.asarray(ages, dtype=np.float64).reshape(-1)
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    if not (a.size == b.size == g.size):
        raise ValueError("birth_years, ages and groups must have one value per face")
    dated = np.isfinite(b) & np.isfinite(a)
    size_all = face_sigma(np.full(b.size, SIGMA_KNOTS[0][0]), sides) / SIGMA_KNOTS[1][0]
    own_all = face_sigma(a, sides)
    # the dated faces only, sorted by group and birth year once (the weighted medians need that order)
    order = np.flatnonzero(dated)
    order = order[np.lexsort((b[order], g[order]))]
    bd, gd, size, own = b[order], g[order], size_all[order], own_all[order]
    photo = bd + a[order]
    n_dated = np.bincount(gd, minlength=n_groups)
    can_flag = n_dated[gd] >= FLAG_MIN_FACES
    keep = np.ones(bd.size, dtype=bool)
    before = mismatch = np.zeros(bd.size, dtype=bool)
    year, half = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    used, sig = n_dated.copy(), np.ones(bd.size)
    todo = n_dated > 0  # the groups whose kept faces changed since their last fit
    for _ in range(ROUNDS):
        # each fit starts from the weighted median of the kept faces (each face's sigma from its own predicted age)
        # so a group's result depends on its own faces only, and a group whose faces did not change keeps it
        f = np.flatnonzero(todo[gd])
        gf = gd[f]
        first = np.r_[True, gf[1:] != gf[:-1]] if gf.size else np.zeros(0, bool)
        start = _sorted_weighted_median(bd[f], np.where(keep[f], 1.0 / own[f] ** 2, 0.0), gf, first, n_groups)
        y, h, u, sig[f] = _huber(bd[f], photo[f], size[f], keep[f], gf, n_groups, start)
        year, half, used = np.where(todo, y, year), np.where(todo, h, half), np.where(todo, u, used)
        yg = year[gd]
        # either age says the face is too far off: the person's at the photo, or the face's own (a child's face
        # under an adult is judged by how well children's ages are known)
        mismatch = can_flag & (np.abs(bd - yg) > k * np.minimum(sig, own))
        before = can_flag & (photo < yg - half[gd])
        new_keep = ~(mismatch | before)
        # a group whose every face was flagged keeps them all (nothing is left to say which are wrong)
        new_keep |= (np.bincount(gd[new_keep], minlength=n_groups) == 0)[gd]
        changed = new_keep != keep
        if not changed.any():
            break
        todo = np.bincount(gd[changed], minlength=n_groups) > 0
        keep = new_keep
    out_before, out_mismatch = np.zeros(b.size, dtype=bool), np.zeros(b.size, dtype=bool)
    out_before[order], out_mismatch[order] = before, mismatch
    return BirthYearFit(year=year, half=half, n_used=used, before_birth=out_before, mismatch=out_mismatch)


def _huber(b: NDArray[np.float64], photo: NDArray[np.float64], size: NDArray[np.float64], keep: NDArray[np.bool_],
           g: NDArray[np.int64], n: int, year: NDArray[np.float64]
           ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Per group the Huber M-estimate of the kept ``b`` from ``year`` (the start), the half range (``Z`` standard
    errors, scaled up when the residuals scatter more than the sigmas say), the faces used, and each face's sigma.

    A face's sigma is the age model's error at the age the person has at that photo by the current estimate, not
    at the face's own predicted age: a face predicted too young would otherwise get a smaller sigma, more weight,
    and pull every child's birth year late."""
    count = np.bincount(g[keep], minlength=n)
    has = count > 0
    year = np.where(has, year, np.nan)
    keep_f = keep.astype(np.float64)
    active = has.copy()
    for _ in range(ITERATIONS):
        # each group iterates until its year moves less than TOLERANCE: only the faces of those still moving
        f = np.flatnonzero(active[g])
        if not f.size:
            break
        gf, bf = g[f], b[f]
        yg = year[gf]
        sig_f = np.interp(photo[f] - yg, *SIGMA_KNOTS) * size[f]
        r = np.abs(bf - yg) / sig_f
        hw = keep_f[f] / sig_f**2 * np.minimum(1.0, HUBER_C / np.maximum(r, 1e-12))
        with np.errstate(invalid="ignore", divide="ignore"):
            new = np.bincount(gf, weights=hw * bf, minlength=n) / np.bincount(gf, weights=hw, minlength=n)
        moved = np.abs(new - year) > TOLERANCE
        year = np.where(active, new, year)
        active &= moved
    sig = np.interp(photo - np.nan_to_num(year)[g], *SIGMA_KNOTS) * size
    w = keep_f / sig**2
    r2 = keep_f * ((b - np.nan_to_num(year)[g]) / sig) ** 2
    phi = np.maximum(1.0, np.bincount(g, weights=r2, minlength=n) / np.maximum(count - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        total_w = np.bincount(g, weights=w, minlength=n)
        se = np.sqrt(phi / total_w)
        # the kept faces' typical sigma (their inverse-variance mean) times the share the faces have in common
        shared = SYSTEMATIC * np.sqrt(count / total_w)
    half = np.where(has, np.maximum(MIN_HALF_RANGE, Z * np.sqrt(se**2 + shared**2)), np.nan)
    return year, half, count, sig


def _sorted_weighted_median(b: NDArray[np.float64], w: NDArray[np.float64], g: NDArray[np.int64],
                            first: NDArray[np.bool_], n: int) -> NDArray[np.float64]:
    """Per group the lower weighted median of ``b`` (sorted by group, then value; ``first``: each group's first
    row; zero weights count as absent; NaN for a group without any weight)."""
    out = np.full(n, np.nan)
    if not b.size:
        return out
    cw = np.cumsum(w)
    base = (cw - w)[first]  # cumulative weight before each group's first face
    within = cw - base[np.cumsum(first) - 1]
    total = np.bincount(g, weights=w, minlength=n)
    at_half = (within >= total[g] / 2.0) & (w > 0)
    groups_at, pos = np.unique(g[at_half], return_index=True)
    out[groups_at] = b[np.flatnonzero(at_half)[pos]]
    return out
