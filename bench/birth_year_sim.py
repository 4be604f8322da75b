# SPDX-License-Identifier: MIT
"""Per-person birth year on simulated family libraries: the median of before vs the robust weighted fit.

    python bench/birth_year_sim.py [--faces ../shared/data/faces] [--cache /tmp/organizer-birth-sim.npz]

Step 1 (cached, about 40 s): the app's analyzer on every developer UTKFace face (true age and gender in
the file name): the predicted age, the age posterior, P(male), sharpness and frontality of the largest face.
The app's age calibration was fitted on these very faces, so the ages used here are refitted out of fold
(5 folds, one map per gender, as ``bench/age_bands.py``): each face's age is what a calibration that never saw
it says, so the simulated error is the network's honest error.

Step 2 (seconds): simulated persons. The faces are split in two halves by a hash of the file name; every
constant (the age-error curve ``sigma(age)``, the flag's ``k``) is tuned on one half and reported on the other.
Each simulated person draws a life stage (a family's mix, :data:`STAGES`: a third children, first photo at 0-6
and 2-12 years of photos; a third adults, from 18-50 over 1-15 years; a sixth old people, from 55-80 over 1-10
years; a sixth followed from childhood, 0-8, into adulthood over 15-30 years), a true birth year uniform from
1930 to what lets the last photo be in 2026, then 5-60 photos at uniformly random dates over that span of
their life; each photo uses a real face of the held-out half whose true age is nearest the person's age on
that date (ties broken at random), its out-of-fold prediction the age the app would store, and 45 % of the
photos show it small (:data:`SIDE_SHARE`: shrunk to 56, 36 or 24 pixels before the network). With
``--wrong`` (default 0.08) that share of a person's photos get a face of another age instead (someone else
filed under the person: uniform 0-80 years) to measure the flags.

Printed per person: the error of the birth year, and whether the true year is within the range the app shows
(its integer years), before (median, :func:`organizer.cluster.fuse_birth_year`) and after (robust fit,
:func:`organizer.cluster.birth_year.fit_birth_years`), overall and by life stage; and the flags' precision and
recall on the wrong faces. The module's constants are the half-0 tuning, so ``--tune-half 1`` reports half 0,
which they were fitted on (not an honest figure); the default reports half 1.

Step 1 also measures the age error of small faces (the faces shrunk so their side is 24, 36, 56 pixels, then
analyzed at their original box), which gives :data:`organizer.cluster.birth_year.SIZE_KNOTS`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from organizer.cluster.attributes import fuse_birth_year_groups
from organizer.cluster.birth_year import FLAG_K
from organizer.cluster.birth_year import fit_birth_years
from organizer.vision.age_calibration import AgeCalibration

AGE_CLASSES = np.arange(1, 101, dtype=np.float64)
#: Face sides (pixels) at which the faces are analyzed again, shrunk, to measure the age error of small faces.
SMALL_SIDES = (24, 36, 56)


def collect(faces: Path) -> dict[str, np.ndarray]:
    """The app's analyzer on every UTKFace face of the developer set (the largest face of each)."""
    import cv2

    from organizer.core.types import Box
    from organizer.vision.analyzer import FaceAnalyzer

    with open(faces / "manifest.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "face_crop_200" and r["age"]]
    an = FaceAnalyzer()
    out: dict[str, list] = {k: [] for k in ("path", "true", "male_label", "age", "raw", "net_male", "sharp",
                                             "frontal", "side", *(f"raw{t}" for t in SMALL_SIDES))}
    t0 = time.time()
    for i, r in enumerate(rows):
        res = an.analyze_file(faces / r["path"])
        if not res.faces:
            continue
        face = max(res.faces, key=lambda fc: fc.detection.box.w * fc.detection.box.h)
        a = face.attributes
        p = np.asarray(a.age_probs, np.float64)
        out["path"].append(r["path"])
        out["true"].append(float(r["age"]))
        out["male_label"].append(r["gender"] == "M")
        out["age"].append(a.age)
        out["raw"].append(float(p @ AGE_CLASSES / p.sum()))
        out["net_male"].append(a.p_male >= 0.5)  # after the threshold shift: the calibration's own male/female
        out["sharp"].append(np.nan if a.sharpness is None else a.sharpness)
        out["frontal"].append(np.nan if a.frontal is None else a.frontal)
        box = face.detection.box
        out["side"].append(min(box.w, box.h))
        # the same face as a small face of a larger photo: the image shrunk so the face's side is ``t`` pixels
        pixels = an.load(faces / r["path"]).pixels
        for t in SMALL_SIDES:
            s = t / min(box.w, box.h)
            small = cv2.resize(pixels, (max(1, round(pixels.shape[1] * s)), max(1, round(pixels.shape[0] * s))),
                               interpolation=cv2.INTER_AREA)
            q = np.asarray(an.network.analyze(small, [Box(box.x * s, box.y * s, box.w * s, box.h * s)])[0].age_probs,
                           np.float64)
            out[f"raw{t}"].append(float(q @ AGE_CLASSES / q.sum()))
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(rows)} faces, {(time.time() - t0) / (i + 1) * 1000:.0f} ms/face", file=sys.stderr)
    return {k: np.asarray(v) for k, v in out.items()}


def out_of_fold_ages(d: dict[str, np.ndarray], k: int = 5) -> dict[int, np.ndarray]:
    """Per face side (0: as it is) the ages a per-gender calibration fitted without the face says (the app's
    calibration, refitted on the other folds' full-size faces)."""
    true, male = d["true"], d["net_male"].astype(bool)
    raws = {0: d["raw"]} | {t: d[f"raw{t}"] for t in SMALL_SIDES}
    idx = np.random.default_rng(0).permutation(len(true))
    out = {t: np.zeros(len(true)) for t in raws}
    for j in range(k):
        test = idx[j::k]
        train = np.setdiff1d(np.arange(len(true)), test)
        for g in (False, True):
            tr, te = train[male[train] == g], test[male[test] == g]
            if len(te):
                cal = AgeCalibration.fit(d["raw"][tr], true[tr])
                for t, raw in raws.items():
                    out[t][te] = cal(raw[te])
    return out


def half_of(path: str) -> int:
    return hashlib.sha256(path.encode()).digest()[0] & 1


def robust_sd(e: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(e)))


def fit_sigma(pred: np.ndarray, true: np.ndarray, bins: int = 9) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Knots of the age error against the predicted age: per bin of equal count, its median predicted age and the
    errors' robust standard deviation (1.4826 median |error|), made non-decreasing up to the middle-aged peak."""
    order = np.argsort(pred, kind="stable")
    xs, ys = [], []
    for part in np.array_split(order, bins):
        xs.append(round(float(np.median(pred[part])), 1))
        ys.append(round(max(0.8, robust_sd(pred[part] - true[part])), 1))
    return tuple(xs), tuple(ys)


STAGES = {  # name: (age at the first photo, low..high), (span of the photos in years, low..high)
    "children": ((0.0, 6.0), (2.0, 12.0)),
    "adults": ((18.0, 50.0), (1.0, 15.0)),
    "old": ((55.0, 80.0), (1.0, 10.0)),
    "child to adult": ((0.0, 8.0), (15.0, 30.0)),
}
STAGE_SHARE = (1 / 3, 1 / 3, 1 / 6, 1 / 6)
#: Face sizes of the photos (as it is, about 140 px; then shrunk) and their shares.
SIDE_SHARE = {0: 0.55, 56: 0.2, 36: 0.15, 24: 0.1}
THIS_YEAR = 2026.0


@dataclass
class Persons:
    stage: np.ndarray  # per person
    born: np.ndarray
    group: np.ndarray  # per face
    birth: np.ndarray
    age: np.ndarray
    side: np.ndarray
    wrong: np.ndarray
    off: np.ndarray  # per face: how far the face's true age is from the person's at that date


def simulate(true: np.ndarray, ages: dict[int, np.ndarray], pool: np.ndarray, n_persons: int, wrong: float,
             seed: int) -> Persons:
    """Simulated persons whose photos use the faces ``pool`` (indices into ``true``)."""
    rng = np.random.default_rng(seed)
    labels = true[pool]
    stages = rng.choice(len(STAGES), size=n_persons, p=STAGE_SHARE)
    cols: dict[str, list] = {k: [] for k in ("group", "birth", "age", "side", "wrong", "off")}
    born = np.zeros(n_persons)
    sides = np.array(list(SIDE_SHARE))
    shares = np.array(list(SIDE_SHARE.values()))
    for p, st in enumerate(stages.tolist()):
        (a0, a1), (s0, s1) = list(STAGES.values())[st]
        first = rng.uniform(a0, a1)
        last = first + rng.uniform(s0, s1)
        born[p] = rng.uniform(1930.0, THIS_YEAR - last)
        n = int(rng.integers(5, 61))
        at = rng.uniform(first, last, n)  # the person's true age at each photo
        bad = rng.random(n) < wrong
        want = np.where(bad, rng.uniform(0.0, 80.0, n), at)  # someone else's face: any age
        for t, is_bad, age_true in zip(want.tolist(), bad.tolist(), at.tolist(), strict=True):
            gap = np.abs(labels - t)
            face = int(pool[rng.choice(np.flatnonzero(gap == gap.min()))])
            side = int(rng.choice(sides, p=shares))
            pred = float(ages[side][face])
            cols["group"].append(p)
            cols["birth"].append(born[p] + age_true - pred)  # the photo's year minus the predicted age
            cols["age"].append(pred)
            cols["side"].append(np.nan if side == 0 else float(side))  # as it is: a large face
            cols["wrong"].append(is_bad)
            cols["off"].append(abs(float(true[face]) - age_true))
    return Persons(stage=stages, born=born, group=np.array(cols["group"], np.int64),
                   birth=np.array(cols["birth"]), age=np.array(cols["age"]), side=np.array(cols["side"]),
                   wrong=np.array(cols["wrong"], bool), off=np.array(cols["off"]))


def evaluate(ps: Persons, k: float) -> dict[str, np.ndarray]:
    """Per person the error and the range's coverage before (median) and after (robust fit); per face the flags."""
    n = len(ps.born)
    before = fuse_birth_year_groups(ps.birth, ps.group, n)
    fit = fit_birth_years(ps.birth, ps.age, ps.group, n, ps.side, k)
    after = fit.estimates()
    out: dict[str, np.ndarray] = {"flagged": fit.flagged}
    for name, est in (("before", before), ("after", after)):
        year = np.array([e.year for e in est], np.float64)
        low = np.floor([e.low for e in est])
        high = np.ceil([e.high for e in est])
        true_year = np.floor(ps.born)
        out[f"{name}_err"] = np.abs(year - ps.born)
        out[f"{name}_in"] = (low <= true_year) & (true_year <= high)
        out[f"{name}_half"] = (high - low) / 2
    return out


def report(ps: Persons, r: dict[str, np.ndarray]) -> None:
    print(f"{'persons':<16} {'n':>5} | {'MAE before':>10} {'after':>6} | {'in range before':>15} {'after':>6} | "
          f"{'± before':>8} {'after':>6}")
    names = ["all", *STAGES]
    for j, name in enumerate(names):
        m = np.ones(len(ps.born), bool) if j == 0 else ps.stage == j - 1
        print(f"{name:<16} {m.sum():5d} | {r['before_err'][m].mean():10.2f} {r['after_err'][m].mean():6.2f} | "
              f"{100 * r['before_in'][m].mean():14.1f}% {100 * r['after_in'][m].mean():5.1f}% | "
              f"{np.median(r['before_half'][m]):8.1f} {np.median(r['after_half'][m]):6.1f}")
    f, w = r["flagged"], ps.wrong
    far = w & (ps.off >= 10)
    print(f"flags: {f.sum()} of {len(f)} faces; precision {100 * (f & w).sum() / max(1, f.sum()):.1f} % "
          f"(wrong faces among the flagged); recall {100 * (f & w).sum() / max(1, w.sum()):.1f} % of the "
          f"{w.sum()} wrong faces, {100 * (f & far).sum() / max(1, far.sum()):.1f} % of the {far.sum()} that are "
          f"10+ years off the person's age; {100 * (f & ~w).sum() / max(1, (~w).sum()):.1f} % of the right "
          f"faces flagged")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "faces")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/organizer-birth-sim.npz"))
    ap.add_argument("--refresh", action="store_true", help="recompute the cache")
    ap.add_argument("--persons", type=int, default=2000)
    ap.add_argument("--wrong", type=float, default=0.08, help="share of a person's photos with another's face")
    ap.add_argument("--tune-half", type=int, default=0, choices=(0, 1))
    ap.add_argument("--print-sigma", action="store_true", help="print SIGMA_KNOTS and SIZE_KNOTS fitted on the "
                                                               "tuning half (organizer/cluster/birth_year.py)")
    args = ap.parse_args()
    if args.refresh or not args.cache.exists():
        np.savez(args.cache, **collect(args.faces))
    d = dict(np.load(args.cache, allow_pickle=False))
    true = d["true"].astype(np.float64)
    ages = out_of_fold_ages(d)
    half = np.array([half_of(str(p)) for p in d["path"]])
    tune, test = np.flatnonzero(half == args.tune_half), np.flatnonzero(half != args.tune_half)
    print(f"{len(true)} UTKFace faces (out-of-fold age MAE {np.abs(ages[0] - true).mean():.2f}); tuned on half "
          f"{args.tune_half} ({tune.size} faces), reported on the other ({test.size})")
    xs, ys = fit_sigma(ages[0][tune], true[tune])
    size = [robust_sd(ages[t][tune] - true[tune]) / robust_sd(ages[0][tune] - true[tune]) for t in SMALL_SIDES]
    print("age error (robust sd) by predicted age, tuning half: " +
          ", ".join(f"{x:g}: {y:g}" for x, y in zip(xs, ys, strict=True)))
    held = [robust_sd(ages[t][test] - true[test]) / robust_sd(ages[0][test] - true[test]) for t in SMALL_SIDES]
    print("shrunk faces, error relative to the face as it is (tuning half; report half): " +
          ", ".join(f"{t} px {s:.2f}; {h:.2f}" for t, s, h in zip(SMALL_SIDES, size, held, strict=True)))
    if args.print_sigma:
        print(f"SIGMA_KNOTS = ({xs},\n               {ys})")
        print(f"SIZE_KNOTS = ({tuple(float(t) for t in SMALL_SIDES)}, {tuple(round(s, 2) for s in size)})")
    t0 = time.perf_counter()
    sims = {"tune": simulate(true, ages, tune, args.persons, args.wrong, seed=1),
            "test": simulate(true, ages, test, args.persons, args.wrong, seed=2)}
    print(f"\nsimulated {args.persons} persons on each half ({time.perf_counter() - t0:.1f} s); choosing k on the "
          f"tuning half:")
    for k in (2.0, 2.5, 3.0, 3.5, 4.0):
        r = evaluate(sims["tune"], k)
        f, w = r["flagged"], sims["tune"].wrong
        print(f"  k {k:.1f}: MAE {r['after_err'].mean():.3f}, in range {100 * r['after_in'].mean():.1f} %, "
              f"flag precision {100 * (f & w).sum() / max(1, f.sum()):.1f} %, recall "
              f"{100 * (f & w).sum() / max(1, w.sum()):.1f} %")
    print(f"\nreport half, k = {FLAG_K:g} (organizer.cluster.birth_year.FLAG_K), {args.wrong:.0%} wrong faces:")
    report(sims["test"], evaluate(sims["test"], FLAG_K))
    if args.wrong > 0:
        clean = simulate(true, ages, test, args.persons, 0.0, seed=3)
        print("\nreport half, no wrong faces:")
        report(clean, evaluate(clean, FLAG_K))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
