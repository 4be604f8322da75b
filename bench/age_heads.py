# SPDX-License-Identifier: MIT
"""What a read-out on the frozen networks' outputs, and a mirrored pass, gain for age and gender.

    python bench/age_heads.py [--faces ../shared/data/faces] [--cache /tmp/organizer-age-heads.npz] [--seed N]

Step 1 (about 40 s, cached): each developer UTKFace face is decoded and detected as the app does;
for its largest face every per-face output the analyzer computes is kept: faceres' raw outputs (1024-D
features before normalisation, P(male), age posterior) and faceres-deep's, each on the crop and on its
mirror image, dlib's 128-D embedding, the expression probabilities, and the time of each pass.

Step 2: every method is cross-validated over the same 5 folds of faces. UTKFace's file names carry no
identity, so faces whose identity embeddings are near-duplicates (the same person twice) are kept in one fold.
A head's regularisation is chosen inside the training folds (nested), and its monotone calibration is fitted on
out-of-fold predictions of the training folds, so nothing of the test fold is seen. Prints one table: MAE,
MAE with the age bands weighted equally (a set spread evenly over ages), per band MAE and mean error
(negative: too young), gender accuracy over all faces, adults (18+) and children, and the cost per face. ``app``
is the shipped method (posterior mean, a map per gender; its gender threshold refitted in the training folds).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_age_heads as heads  # first: it limits BLAS to one thread before numpy loads
import numpy as np

from organizer.vision.age_calibration import MALE_THRESHOLD
from organizer.vision.age_calibration import AgeCalibration
from organizer.vision.age_calibration import isotonic
from organizer.vision.analyzer import FaceAnalyzer
from organizer.vision.faceres import AGE_CLASSES
from organizer.vision.faceres import crop_face
from organizer.vision.models import FACERES_DEEP

BANDS = ((0, 2), (3, 9), (10, 17), (18, 30), (31, 50), (51, 70), (71, 200))
FOLDS = 5
#: Faces whose faceres cosine similarity is above this are taken for the same person (kept in one fold).
SAME_PERSON = 0.75


def collect(faces: Path) -> dict[str, np.ndarray]:
    """The per-face outputs of the analyzer's networks for the UTKFace faces (see the module's docstring)."""
    with open(faces / "manifest.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["age"] and r["path"].startswith("_age_gender/utkface/")]
    an = FaceAnalyzer()
    net, st = an.network, an.network.settings
    out: dict[str, list[Any]] = {}
    cost: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any], *args: object) -> Any:
        t = time.perf_counter()
        r = fn(*args)
        cost[name] = cost.get(name, 0.0) + time.perf_counter() - t
        return r

    t0 = time.time()
    for i, r in enumerate(rows):
        img = an.load(faces / r["path"])
        dets = an.detect(img)
        if not dets:
            continue
        det = max(dets, key=lambda d: d.box.w * d.box.h)
        crop = crop_face(img.pixels, det.box, st.margin)[None]
        mirror = np.ascontiguousarray(crop[:, :, ::-1])
        rec: dict[str, object] = {"path": r["path"], "age": float(r["age"]), "gender": r["gender"]}
        for tag, c in (("", crop), ("_flip", mirror)):
            f, m, a = timed("faceres", net.raw, c)
            _, dm, da = timed("deep", net.raw, c, FACERES_DEEP)
            rec.update({f"feat{tag}": f[0], f"m{tag}": m[0], f"a{tag}": a[0], f"deep_m{tag}": dm[0],
                        f"deep_a{tag}": da[0]})
        second = timed("dlib", an.identity.embed, img.pixels, [det])
        rec["dlib"], rec["dlib_ok"] = second.embeddings[0], bool(second.usable[0])
        expr = timed("expression", an.expression.analyze, img.pixels, [det.box])[0]
        rec["expr"] = expr if expr is not None else np.full(7, 1 / 7, np.float32)
        for k, v in rec.items():
            out.setdefault(k, []).append(v)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(rows)} faces, {(time.time() - t0) / (i + 1) * 1000:.0f} ms/face", file=sys.stderr)
    n = len(out["age"])
    data = {k: np.asarray(v) for k, v in out.items()}
    # per face and pass (faceres and faceres-deep: two passes each, crop and mirror)
    data.update({f"ms_{k}": np.asarray(v / n / (2 if k in ("faceres", "deep") else 1) * 1000) for k, v in cost.items()})
    return data


def person_groups(emb: np.ndarray, threshold: float = SAME_PERSON) -> np.ndarray:
    """Connected components of faces whose L2-normalised embeddings have a cosine above ``threshold``."""
    sim = emb @ emb.T
    parent = np.arange(len(emb))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for i, j in zip(*np.nonzero(np.triu(sim > threshold, 1)), strict=True):
        parent[root(i)] = root(j)
    return np.array([root(i) for i in range(len(emb))])


def group_folds(groups: np.ndarray, k: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """``k`` test folds; all faces of a group in the same fold."""
    uniq = np.random.default_rng(seed).permutation(np.unique(groups))
    where = {g: j % k for j, g in enumerate(uniq)}
    fold = np.array([where[g] for g in groups])
    return [np.flatnonzero(fold == j) for j in range(k)]


def gendered_cal_predict(raw_tr: np.ndarray, y_tr: np.ndarray, male_tr: np.ndarray,
                         raw_te: np.ndarray, male_te: np.ndarray) -> np.ndarray:
    """The app's calibration: one monotone map for faces called male, one for female."""
    out = np.zeros(len(raw_te))
    for g in (False, True):
        te = male_te == g
        if te.any():
            out[te] = AgeCalibration.fit(raw_tr[male_tr == g], y_tr[male_tr == g])(raw_te[te])
    return out


def cv_app(raw: np.ndarray, male: np.ndarray, true: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
    """Out-of-fold ages of the app's method (posterior mean, one calibration per gender)."""
    out = np.zeros(len(true))
    for test in folds:
        train = np.setdiff1d(np.arange(len(true)), test)
        out[test] = gendered_cal_predict(raw[train], true[train], male[train], raw[test], male[test])
    return out


def inverse_map(raw: np.ndarray, true: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The inverse of the isotonic regression of raw on true age: unbiased for each true age where the usual
    map (true on raw) regresses to the mean, at the price of a larger spread."""
    order = np.argsort(true, kind="stable")
    fitted = isotonic(raw[order])
    ages = np.unique(true)
    level = np.array([fitted[true[order] == a].mean() for a in ages])
    level = np.maximum.accumulate(level + np.arange(len(level)) * 1e-6)
    return lambda r: np.interp(r, level, ages)


def cv_app_debiased(raw: np.ndarray, male: np.ndarray, true: np.ndarray, folds: list[np.ndarray],
                    blend: float) -> np.ndarray:
    """The app's method with its maps blended towards :func:`inverse_map` (``blend`` 0: the app, 1: inverse)."""
    out = np.zeros(len(true))
    for test in folds:
        train = np.setdiff1d(np.arange(len(true)), test)
        for g in (False, True):
            tr, te = train[male[train] == g], test[male[test] == g]
            forward = AgeCalibration.fit(raw[tr], true[tr])(raw[te])
            out[te] = (1 - blend) * forward + blend * inverse_map(raw[tr], true[tr])(raw[te])
    return out


def cv_head(inputs: heads.Inputs, true: np.ndarray, folds: list[np.ndarray], groups: np.ndarray,
            design: heads.Design) -> tuple[np.ndarray, list[float], int, float]:
    """Out-of-fold ages of a ridge head (nested: alpha and calibration from the training folds only), the
    chosen alphas, the head's size and its cost in ms per face."""
    out, chosen, n_params, seconds = np.zeros(len(true)), [], 0, 0.0
    for test in folds:
        train = np.setdiff1d(np.arange(len(true)), test)
        head = heads.fit_age_head(inputs.take(train), true[train], groups[train], design)
        chosen.append(head.alpha)
        n_params = head.n_params
        t = time.perf_counter()
        out[test] = head.predict(inputs.take(test))
        seconds += time.perf_counter() - t
    return out, chosen, n_params, seconds / len(true) * 1000


def best_threshold(p: np.ndarray, male: np.ndarray) -> float:
    """The middle of the plateau of best accuracy (as ``bench/fit_age_calibration.py`` fits MALE_THRESHOLD)."""
    grid = np.linspace(0.3, 0.7, 81)
    acc = np.array([((p >= t) == male).mean() for t in grid])
    return float(grid[np.isclose(acc, acc.max())].mean())


def cv_gender_threshold(p: np.ndarray, male: np.ndarray, folds: list[np.ndarray]) -> np.ndarray:
    """Out-of-fold calls 'male' with a threshold fitted on the training folds (the app's method)."""
    out = np.zeros(len(p), bool)
    for test in folds:
        train = np.setdiff1d(np.arange(len(p)), test)
        out[test] = p[test] >= best_threshold(p[train], male[train])
    return out


def cv_gender_head(inputs: heads.Inputs, male: np.ndarray, folds: list[np.ndarray], groups: np.ndarray,
                   design: heads.Design) -> tuple[np.ndarray, list[float]]:
    out, chosen = np.zeros(len(male), bool), []
    for test in folds:
        train = np.setdiff1d(np.arange(len(male)), test)
        head = heads.fit_gender_head(inputs.take(train), male[train], groups[train], design)
        chosen.append(head.alpha)
        out[test] = head.p_male(inputs.take(test)) >= 0.5
    return out, chosen


def row(name: str, pred: np.ndarray | None, true: np.ndarray, called: np.ndarray | None, male: np.ndarray,
        ms: float) -> None:
    cells, band_mae = [], []
    if pred is not None:
        for lo, hi in BANDS:
            m = (true >= lo) & (true <= hi)
            e = pred[m] - true[m]
            band_mae.append(np.abs(e).mean())
            cells.append(f"{np.abs(e).mean():4.1f} {e.mean():+5.1f}")
        age = f"{np.abs(pred - true).mean():5.2f} {np.mean(band_mae):5.2f}"
    else:
        age, cells = f"{'':5} {'':5}", [f"{'':10}"] * len(BANDS)
    if called is not None:
        ok = called == male
        adult = true >= 18
        g = f"{ok.mean() * 100:5.1f} {ok[adult].mean() * 100:5.1f} {ok[~adult].mean() * 100:5.1f}"
    else:
        g = f"{'':17}"
    print(f"{name:<26} {age} |" + "|".join(cells) + f"| {g} | {ms:5.2f}")


def inputs_of(d: dict[str, np.ndarray], mirror: bool) -> heads.Inputs:
    """What the app stores per face (the averaged posterior and P(male)), with or without the mirrored passes."""
    a = (d["a"] + d["deep_a"]).astype(np.float64) / 2
    m = (d["m"] + d["deep_m"]).astype(np.float64) / 2
    if mirror:
        a = (a + (d["a_flip"] + d["deep_a_flip"]) / 2) / 2
        m = (m + (d["m_flip"] + d["deep_m_flip"]) / 2) / 2
    emb = d["feat"] / np.linalg.norm(d["feat"], axis=1, keepdims=True)
    return heads.Inputs(a / a.sum(axis=1, keepdims=True), m, emb.astype(np.float64), d["dlib"].astype(np.float64),
                        d["expr"].astype(np.float64))


#: The heads compared (all read the posterior's summaries and P(male)); the mirrored inputs for MIRRORED.
DESIGNS = {
    "posterior": heads.Design(),
    "+8 emb PCs": heads.Design(emb_pcs=8),
    "+32 emb PCs": heads.Design(emb_pcs=32),
    "+128 emb PCs": heads.Design(emb_pcs=128),
    "+16 dlib PCs": heads.Design(dlib_pcs=16),
    "+32 dlib PCs": heads.Design(dlib_pcs=32),
    "+32 emb +16 dlib PCs": heads.Design(emb_pcs=32, dlib_pcs=16),
    "+32 emb PCs +expr": heads.Design(emb_pcs=32, expression=True),
}
MIRRORED = ("posterior", "+16 dlib PCs")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/faces")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/organizer-age-heads.npz"))
    ap.add_argument("--refresh", action="store_true", help="recompute the cache")
    ap.add_argument("--seed", type=int, default=0, help="of the split into folds")
    args = ap.parse_args()
    if args.refresh or not args.cache.exists():
        np.savez(args.cache, **collect(args.faces))  # type: ignore[arg-type]
    d = dict(np.load(args.cache, allow_pickle=False))
    true, male = d["age"].astype(np.float64), d["gender"] == "M"
    groups = person_groups(d["feat"] / np.linalg.norm(d["feat"], axis=1, keepdims=True))
    folds = group_folds(groups, seed=args.seed)
    n_multi = sum(c for c in np.unique(groups, return_counts=True)[1] if c > 1)
    print(f"{len(true)} UTKFace faces, {len(np.unique(groups))} groups ({n_multi} faces in groups of 2+, "
          f"cosine > {SAME_PERSON}); {FOLDS} folds by group; bands: MAE, mean error")
    ms = {k[3:]: float(d[k]) for k in d if k.startswith("ms_")}
    print("ms per face and pass: " + ", ".join(f"{k} {v:.1f}" for k, v in ms.items()))
    bands = "|".join(f"{f'{lo}-{hi}' if hi < 200 else f'{lo}+':^10}" for lo, hi in BANDS)
    print(f"{'method':<26} {'MAE':>5} {'bands':>5} |{bands}| {'all':>5} {'adult':>5} {'child':>5} | ms")
    mirror_ms = ms["faceres"] + ms["deep"]
    for mirror in (False, True):
        inputs = inputs_of(d, mirror)
        tag, extra = (" +mirror", mirror_ms) if mirror else ("", 0.0)
        mean = inputs.probs @ AGE_CLASSES.astype(np.float64)
        called_app = inputs.p_male >= MALE_THRESHOLD
        row("app" + tag, cv_app(mean, called_app, true, folds), true,
            cv_gender_threshold(inputs.p_male, male, folds), male, extra)
        if not mirror:
            for blend in (0.25, 0.5):
                row(f"app, de-biased {blend}", cv_app_debiased(mean, called_app, true, folds, blend), true,
                    None, male, 0.0)
        for name, design in DESIGNS.items():
            if mirror and name not in MIRRORED:
                continue
            pred, alphas, n_age, head_ms = cv_head(inputs, true, folds, groups, design)
            called, g_alphas = cv_gender_head(inputs, male, folds, groups, design)
            row(f"ridge {name}{tag}", pred, true, called, male, extra + head_ms)
            print(f"{'':26} alphas: age {sorted(set(alphas))}, gender {sorted(set(g_alphas))}; "
                  f"{n_age} parameters (age head)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
