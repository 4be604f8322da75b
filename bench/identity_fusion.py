# SPDX-License-Identifier: MIT
"""faceres vs dlib's ResNet (face-api.js port) vs the ArcFace-type network vs their fusions, on the developer
faces, by an honest protocol.

1. Embeds every face of the images bench/cluster_embed.py uses (identity folders + ``_unlabelled``,
   ``_groups``, ``_age_gender``) with the three networks and caches them (``--cache``, an .npz outside the repo):
   faceres as the app computes it (raw features of the crop and of its mirror image; the app's embedding is
   their normalised sum; P(male) and age from faceres + faceres-deep, calibrated), dlib's ResNet on its aligned
   chip (organizer.vision.align) and on its mirror image, and the ArcFace-type network (the app's second
   identity network, columns ``arc``/``arc_flip``) on its ArcFace chip and its mirror image.
2. Splits the identities in two halves by a hash of the name (distractor images by a hash of the path) and,
   in both directions, tunes on one half and reports on the other, all of that half's distractors in:
   identity ROC-AUC, and BCubed P/R/F and K/C of organizer.cluster.cluster_faces (centring, neighbour
   augmentation, eq. 1 age term, same-photo constraint; min-faces 2, no day-span rule as no dates are known).
   Tuned per variant: the threshold, the neighbour count k, and for the fusions the weight w of
   ``[sqrt(w) faceres, sqrt(1 - w) dlib]`` (both L2-normalised first; inner product = w cos_f + (1 - w) cos_d).
   faceres alone is centred on the app's stored mean (organizer/cluster/mean_embedding.npy, made from
   distractor folders only); dlib and the fusions on the mean of the tuning half's faces.
   Each line also gives BCubed P/F with every distractor face scored as its own person ("all scored"): the
   identity-only figures (bench/cluster_quality.py's protocol) do not count a distractor absorbed into a
   person. ``--objective all`` tunes for that stricter F instead.
3. Per-source breakdown (LFW, Glint, BBT, deepface...) on the untouched halves, and the per-face cost of one
   pass of each network at batch 8 with this machine's load (``--speed-only``: just that).

    .venv/bin/python bench/identity_fusion.py /work/shared/data/faces --cache /tmp/identity_fusion.npz
    .venv/bin/python bench/identity_fusion.py /work/shared/data/faces --objective all --variants 0,2,3,4,7
    .venv/bin/python bench/identity_fusion.py /work/shared/data/faces --objective all --variants 8,9,10
    .venv/bin/python bench/identity_fusion.py /work/shared/data/faces --objective all --variants 11,12,13,14
    .venv/bin/python bench/identity_fusion.py /work/shared/data/faces --write-second-mean

Embedding takes ~2 min on 2 cores; the evaluation of all variants ~25 min (the fusions tune w, k and t).
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository root: devtools, bench
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from cluster_embed import list_images  # noqa: E402
from cluster_quality import pick_faces  # noqa: E402

from devtools.metrics import bcubed  # noqa: E402
from devtools.metrics import clusters_per_class  # noqa: E402

EXTRA = ("_unlabelled", "_groups", "_age_gender")
SOURCES = {
    "baileyfriend/Gender-Image-Classifier": "LFW",
    "ElisonSherton/Face-Applications": "Glint",
    "justadudewhohacks/face-api.js": "BBT",
    "serengil/deepface": "deepface",
    "vladmandic/human": "human",
    "immich-app/test-assets": "immich",
    "timesler/facenet-pytorch": "facenet-pytorch",
    "mattans/AgeProgression": "UTKFace",
}


# ---------------------------------------------------------------------------------------------------- embedding


def embed_all(root: Path, threads: int, limit: int) -> dict[str, np.ndarray]:
    """Both networks on every face of the developer set's images (see the module doc)."""
    from organizer.vision.analyzer import FaceAnalyzer
    from organizer.vision.arcface import ArcFaceNetwork
    from organizer.vision.dlib_resnet import DlibResnetNetwork
    from organizer.vision.faceres import crop_face
    from organizer.vision.faceres import expected_age
    from organizer.vision.faceres import shift_threshold
    from organizer.vision.models import FACERES_DEEP
    from organizer.vision.models import ModelStore
    from organizer.vision.session import RuntimeOptions

    an = FaceAnalyzer(ModelStore(options=RuntimeOptions(intra_op_threads=threads)))
    net = an.network
    st = net.settings
    dnet = DlibResnetNetwork(an.store)
    anet = ArcFaceNetwork(an.store)
    images = list_images(root, EXTRA)
    if limit:
        images = images[:limit]
    keys = ("path", "face", "box", "landmarks", "size", "feat", "feat_flip", "p_male", "age", "dlib", "dlib_flip",
            "arc", "arc_flip", "arc_usable", "usable", "issue")
    rows: dict[str, list] = {k: [] for k in keys}
    t0 = time.time()
    checked = False
    for n, path in enumerate(images):
        try:
            img = an.load(path)
        except Exception as e:  # a benchmark lists unreadable files and goes on
            print(f"skip {path}: {e}", file=sys.stderr)
            continue
        dets = an.detect(img)
        if not dets:
            continue
        crops = np.stack([crop_face(img.pixels, d.box, st.margin) for d in dets])
        f, m, a = net.raw(crops)
        f2, _, _ = net.raw(np.ascontiguousarray(crops[:, :, ::-1]))
        _, m2, a2 = net.raw(crops, FACERES_DEEP)
        # P(male) and age exactly as FaceresNetwork.analyze_crops computes them (checked once below)
        p_raw = (m + m2) / 2  # the per-gender age calibration looks at the networks' own P(male)
        p_male = shift_threshold(p_raw, st.male_threshold)
        ages = st.age_calibration(expected_age((a + a2) / 2, st.top_l), p_raw)
        if not checked:
            app = getattr(net, "analyze_crops", None) or net.analyse_crops  # renamed in the working tree
            attrs = app(crops)
            g = f + f2 if st.flip else f  # the app's faceres runs without the mirrored pass (dlib has it)
            emb = g / np.linalg.norm(g, axis=1, keepdims=True)
            assert np.allclose(np.stack([x.embedding for x in attrs]), emb, atol=1e-5)
            assert np.allclose([x.age for x in attrs], ages, atol=1e-3)
            checked = True
        chips, usable, issues = dnet.chips(img.pixels, dets)
        d1 = dnet.raw(chips)
        d2 = dnet.raw(np.ascontiguousarray(chips[:, :, ::-1]))
        achips, a_usable, _ = anet.chips(img.pixels, dets)
        a1 = anet.raw(achips)
        a2 = anet.raw(np.ascontiguousarray(achips[:, :, ::-1]))
        rel = str(path.relative_to(root))
        s = 1.0 / img.scale
        for i, d in enumerate(dets):
            rows["path"].append(rel)
            rows["face"].append(i)
            rows["box"].append([d.box.x * s, d.box.y * s, d.box.w * s, d.box.h * s])
            rows["landmarks"].append(np.array(d.landmarks, np.float32) * s)
            rows["size"].append([img.width, img.height])
            rows["feat"].append(f[i])
            rows["feat_flip"].append(f2[i])
            rows["p_male"].append(p_male[i])
            rows["age"].append(ages[i])
            rows["dlib"].append(d1[i])
            rows["dlib_flip"].append(d2[i])
            rows["arc"].append(a1[i])
            rows["arc_flip"].append(a2[i])
            rows["arc_usable"].append(a_usable[i])
            rows["usable"].append(usable[i])
            rows["issue"].append(issues[i] or "")
        if n % 200 == 0:
            print(f"  {n}/{len(images)} images {time.time() - t0:.0f}s", flush=True)
    print(f"embedded {len(rows['path'])} faces of {len(images)} images in {time.time() - t0:.0f}s")
    out = {k: np.array(v) for k, v in rows.items()}
    for k in ("box", "landmarks", "feat", "feat_flip", "p_male", "age", "dlib", "dlib_flip", "arc", "arc_flip"):
        out[k] = out[k].astype(np.float32)
    return out


def load_or_embed(root: Path, cache: Path, threads: int, limit: int) -> dict[str, np.ndarray]:
    if cache.is_file():
        print(f"embeddings from {cache}")
        return dict(np.load(cache))
    z = embed_all(root, threads, limit)
    if not limit:
        np.savez_compressed(cache, **z)
        print(f"cached -> {cache}")
    return z


# ---------------------------------------------------------------------------------------------------- protocol


def l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def half_of(key: str) -> int:
    return hashlib.sha256(key.encode()).digest()[0] & 1


def roc_auc(x: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a same-identity pair is more similar than a different-identity pair (all pairs)."""
    sim = x @ x.T
    iu = np.triu_indices(len(labels), 1)
    s = sim[iu]
    same = labels[iu[0]] == labels[iu[1]]
    ranks = s.argsort(kind="stable").argsort().astype(np.float64) + 1.0
    npos, nneg = int(same.sum()), int((~same).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    return float((ranks[same].sum() - npos * (npos + 1) / 2) / (npos * nneg))


@dataclass(frozen=True)
class Variant:
    name: str
    #: weight of faceres in the fusion (1.0 = faceres alone, 0.0 = dlib alone); None = tuned over WEIGHTS
    w: float | None
    faceres_flip: bool
    dlib_flip: bool
    #: each part centred on its own fixed mean (the app's: distractor folders) before weighting, as
    #: organizer.cluster.fusion does; otherwise the concatenation is centred on the tuning half's mean
    per_part: bool = False
    #: faces predicted younger than this get faceres alone (dlib's ResNet was trained on adults)
    child_age: float = 0.0
    #: the second network's cache columns: "dlib" (dlib's ResNet) or "arc" (the ArcFace-type network, the app's)
    second: str = "dlib"


WEIGHTS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
NEIGHBOURS = (0, 5, 10, 20, 30)

VARIANTS = (
    Variant("faceres (app: flip-averaged)", 1.0, True, False),
    Variant("faceres (no flip)", 1.0, False, False),
    Variant("dlib", 0.0, False, False),
    Variant("dlib (flip-averaged)", 0.0, False, True),
    Variant("fused faceres(flip)+dlib", None, True, False),
    Variant("fused faceres+dlib (no flips)", None, False, False),
    Variant("fused faceres(flip)+dlib(flip)", None, True, True),
    Variant("fused faceres+dlib(flip)", None, False, True),
    Variant("app: faceres+dlib(flip) per part", None, False, True, True),
    Variant("app: ... children<13 faceres only", None, False, True, True, 13.0),
    Variant("app: ... children<8 faceres only", None, False, True, True, 8.0),
    Variant("arcface", 0.0, False, False, second="arc"),
    Variant("arcface (flip-averaged)", 0.0, False, True, second="arc"),
    Variant("app: faceres+arcface per part", None, False, False, True, second="arc"),
    Variant("faceres+arcface(flip) per part", None, False, True, True, second="arc"),
)

#: folders whose faces make the fixed centring means (none of them is an evaluation identity)
MEAN_FOLDERS = ("_age_gender/", "_unlabelled/", "_groups/")


def part_means(z: dict[str, np.ndarray], second: str = "dlib") -> tuple[np.ndarray, np.ndarray]:
    """faceres' stored mean (the app's) and the second network's mean over the distractor folders' faces."""
    sel = np.array([p.startswith(MEAN_FOLDERS) for p in z["path"]])
    return _stored_mean(z["feat"].shape[1]), l2(z[second][sel]).mean(axis=0)



def variant_x(z: dict[str, np.ndarray], rows: np.ndarray, v: Variant, w: float) -> np.ndarray:
    """Embeddings of a variant before centring (concatenation of L2-normalised parts)."""
    f = z["feat"][rows] + (z["feat_flip"][rows] if v.faceres_flip else 0.0)
    d = z[v.second][rows] + (z[f"{v.second}_flip"][rows] if v.dlib_flip else 0.0)
    if v.per_part:
        from organizer.cluster.fusion import fuse_identity

        mu_f, mu_d = part_means(z, v.second)
        dlib_w = np.where(z["age"][rows] < v.child_age, 0.0, 1.0 - w)
        return fuse_identity(f, d, mu_f, mu_d, dlib_w)
    if w >= 1.0:
        return l2(f)
    if w <= 0.0:
        return l2(d)
    return np.concatenate([np.sqrt(w) * l2(f), np.sqrt(1.0 - w) * l2(d)], axis=1).astype(np.float32)


@dataclass
class Half:
    """One half of the protocol: its rows (into the cache), identity labels, groups and ages."""

    rows: np.ndarray
    is_id: np.ndarray
    truth: np.ndarray  # identity label of each identity row
    groups: np.ndarray
    ages: np.ndarray
    sources: np.ndarray


def make_halves(z: dict[str, np.ndarray], manifest: dict[str, dict[str, str]]) -> list[Half]:
    rows = pick_faces(z)
    paths = z["path"][rows]
    halves = []
    for h in (0, 1):
        keys = [p if p.startswith("_") else p.split("/")[0] for p in paths]
        sel = np.array([half_of(k) == h for k in keys])
        r = rows[sel]
        ps = z["path"][r]
        is_id = np.array([not p.startswith("_") for p in ps])
        truth = np.array([p.split("/")[0] for p in ps[is_id]])
        _, groups = np.unique(ps, return_inverse=True)
        src = np.array([SOURCES.get(manifest.get(p, {}).get("source_repo", "").split("@")[0], "?") for p in ps])
        halves.append(Half(r, is_id, truth, groups, z["age"][r].astype(np.float64), src))
    return halves


#: Whether faces get birth years from their predicted ages (``--age-term``).
AGE_TERM = False


def cluster_labels(x: np.ndarray, half: Half, threshold: float, k: int, centre: np.ndarray | None) -> np.ndarray:
    from organizer.cluster import ClusterInput
    from organizer.cluster import ClusterParams
    from organizer.cluster import cluster_faces

    params = ClusterParams(threshold=float(threshold), current_year=2025, min_span_days=0.0, neighbours=k,
                           centre=True, centre_vector=centre)
    # The app gives a face a birth year only from a trusted shooting date; these photos have none, so by
    # default eq. 1's age term is off, as it is for the app on them (--age-term: as if shot in 2025).
    births = 2025 - half.ages if AGE_TERM else np.full(len(half.ages), np.nan)
    res = cluster_faces(ClusterInput(x, birth_years=births, photo_groups=half.groups), params)
    return res.labels


def all_scored(labels: np.ndarray, half: Half) -> tuple[float, float, float]:
    """BCubed P/R/F with every distractor face its own person in the truth, and scored: a distractor absorbed
    into a person lowers that person's precision (:func:`scores`, as bench/cluster_quality.py, scores identity
    faces only, so there a distractor costs nothing unless it chains two identities)."""
    truth = np.array([f"_d{i}" for i in range(len(labels))], dtype=object)
    truth[half.is_id] = half.truth
    return bcubed(truth.astype(str), labels)


def scores(labels: np.ndarray, half: Half, mask: np.ndarray | None = None) -> tuple[float, float, float, float]:
    pred = labels[half.is_id]
    truth = half.truth
    if mask is not None:
        pred, truth = pred[mask], truth[mask]
    p, r, f = bcubed(truth, pred)
    return p, r, f, clusters_per_class(truth, pred)


def centre_for(v: Variant, w: float, x_tune: np.ndarray) -> np.ndarray | None:
    """faceres alone: the app's stored mean (None); otherwise the mean of the tuning half."""
    if w >= 1.0:
        return None
    if v.per_part:
        return np.zeros(x_tune.shape[1], np.float32)
    return x_tune.mean(axis=0).astype(np.float32)


def tune(z: dict[str, np.ndarray], v: Variant, tune_half: Half, objective: str) -> tuple[float, int, float, float]:
    """(w, k, threshold, F) maximising BCubed F on the tuning half: coarse threshold grid, then finer ones.

    ``objective`` "id": F over identity faces (bench/cluster_quality.py's); "all": F with distractors scored.
    """
    best = (-1.0, 0.0, 0, 0.0)
    for w in ((v.w,) if v.w is not None else WEIGHTS):
        x = variant_x(z, tune_half.rows, v, w)
        mu = centre_for(v, w, x)
        for k in NEIGHBOURS:
            cache: dict[float, float] = {}

            def f_at(t: float, x=x, mu=mu, k=k, cache=cache) -> float:
                t = round(t, 4)
                if t not in cache:
                    labels = cluster_labels(x, tune_half, t, k, mu)
                    cache[t] = scores(labels, tune_half)[2] if objective == "id" else all_scored(labels, tune_half)[2]
                return cache[t]

            coarse = np.arange(0.5, 1.9001, 0.1)
            t0 = max(coarse, key=f_at)
            fine = np.arange(t0 - 0.09, t0 + 0.0901, 0.02)
            t1 = max(fine, key=f_at)
            finer = np.arange(t1 - 0.015, t1 + 0.0151, 0.005)
            t2 = max(finer, key=f_at)
            if f_at(t2) > best[0]:
                best = (f_at(t2), w, k, float(t2))
    f, w, k, t = best
    return w, k, t, f


def evaluate(z: dict[str, np.ndarray], v: Variant, tune_half: Half, test_half: Half, objective: str) -> dict:
    w, k, t, f_tune = tune(z, v, tune_half, objective)
    x_tune = variant_x(z, tune_half.rows, v, w)
    mu = centre_for(v, w, x_tune)
    x = variant_x(z, test_half.rows, v, w)
    labels = cluster_labels(x, test_half, t, k, mu)
    p, r, f, kc = scores(labels, test_half)
    p_all, _, f_all = all_scored(labels, test_half)
    xc = l2(x - (mu if mu is not None else _stored_mean(x.shape[1])))
    auc = roc_auc(xc[test_half.is_id], test_half.truth)
    per_source = {}
    for s in sorted(set(test_half.sources[test_half.is_id].tolist())):
        m = test_half.sources[test_half.is_id] == s
        per_source[s] = (int(m.sum()), len(set(test_half.truth[m].tolist())),
                         roc_auc(xc[test_half.is_id][m], test_half.truth[m]), *scores(labels, test_half, m))
    absorbed = int(((labels >= 0) & ~test_half.is_id).sum())
    return {"w": w, "k": k, "t": t, "f_tune": f_tune, "auc": auc, "P": p, "R": r, "F": f, "KC": kc,
            "per_source": per_source, "absorbed": absorbed, "P_all": p_all, "F_all": f_all}


def _stored_mean(dim: int) -> np.ndarray:
    from organizer.cluster.distance import stored_mean_embedding

    mu = stored_mean_embedding()
    assert mu is not None and mu.shape[-1] == dim
    return mu


# ---------------------------------------------------------------------------------------------------- extras


def write_projection(z: dict[str, np.ndarray], dims: int = 256) -> None:
    """Each part, centred on the app's stored mean and normalised as organizer.cluster.fusion does, over the
    faces of MEAN_FOLDERS: its first ``dims`` principal axes (of the second moment: the parts are centred
    already, and inner products are what the clustering compares)."""
    from organizer.cluster.fusion import PROJECTION_FILE
    from organizer.cluster.fusion import stored_mean_second

    sel = np.array([p.startswith(MEAN_FOLDERS) for p in z["path"]])
    out = {}
    parts = (("faceres", z["feat"], _stored_mean(z["feat"].shape[1])), ("second", z["arc"], stored_mean_second()))
    for name, x, mu in parts:
        c = l2(l2(x[sel]) - mu).astype(np.float64)
        _, s, vt = np.linalg.svd(c, full_matrices=False)
        # a fixed sign per axis (largest component positive): the same faces give the same file
        vt *= np.sign(vt[np.arange(vt.shape[0]), np.abs(vt).argmax(axis=1)])[:, None]
        out[name] = vt[:dims].astype(np.float32)
        kept = float((s[:dims] ** 2).sum() / (s ** 2).sum())
        print(f"{name}: {dims} of {x.shape[1]} axes keep {kept:.3f} of the variance of {int(sel.sum())} faces")
    np.savez(PROJECTION_FILE, **out)
    print(f"-> {PROJECTION_FILE}")


def box_template(z: dict[str, np.ndarray]) -> None:
    """Median of the MTCNN box on dlib's unit-square template (for organizer.vision.align.BOX_TEMPLATE)."""
    from organizer.vision.align import CHIP_PADDING
    from organizer.vision.align import MTCNN_TEMPLATE
    from organizer.vision.align import similarity_transform

    vals = []
    for lm, (x, y, w, h) in zip(z["landmarks"], z["box"], strict=True):
        sim = similarity_transform(lm.astype(np.float64), MTCNN_TEMPLATE)  # image -> unit template
        a, b = sim[:, :2], sim[:, 2]
        corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]]) @ a.T + b
        vals.append([corners[:, 0].min(), corners[:, 1].min(), np.ptp(corners[:, 0]), np.ptp(corners[:, 1])])
    v = np.median(np.array(vals), axis=0)
    print(f"BOX_TEMPLATE (median of {len(vals)} faces, padding {CHIP_PADDING} not applied): "
          f"({v[0]:.4f}, {v[1]:.4f}, {v[2]:.4f}, {v[3]:.4f})")


def speed(root: Path, threads: int, batches: int) -> None:
    """ms/face of one pass of each identity network at batch 8 (crops already cut), and of the alignments."""
    from organizer.vision.analyzer import FaceAnalyzer
    from organizer.vision.arcface import ArcFaceNetwork
    from organizer.vision.dlib_resnet import DlibResnetNetwork
    from organizer.vision.faceres import crop_face
    from organizer.vision.models import ModelStore
    from organizer.vision.session import RuntimeOptions

    an = FaceAnalyzer(ModelStore(options=RuntimeOptions(intra_op_threads=threads)))
    dnet = DlibResnetNetwork(an.store)
    anet = ArcFaceNetwork(an.store)
    paths = [p for p in list_images(root, ())][:64]
    items = []
    for p in paths:
        img = an.load(p)
        dets = an.detect(img)
        if dets:
            items.append((img.pixels, dets[:1]))
    t0 = time.perf_counter()
    chips = np.concatenate([dnet.chips(px, d)[0] for px, d in items])
    t_align = (time.perf_counter() - t0) / len(chips)
    t0 = time.perf_counter()
    achips = np.concatenate([anet.chips(px, d)[0] for px, d in items])
    t_arc_align = (time.perf_counter() - t0) / len(achips)
    crops = np.stack([crop_face(px, d[0].box, an.network.settings.margin) for px, d in items[:8]])

    def per_face_ms(run, x: np.ndarray) -> np.ndarray:
        run(x)  # warm-up (session creation, first-run allocations)
        times = []
        for _ in range(batches):
            t = time.perf_counter()
            run(x)
            times.append(time.perf_counter() - t)
        return 1000 * np.array(times) / len(x)

    threads = an.store.options.threads()
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load before: {up}")
    nets = (("dlib ResNet (one pass)", dnet.raw, chips[:8]), ("ArcFace-type (one pass)", anet.raw, achips[:8]),
            ("faceres (one pass)", an.network.raw, crops))
    for name, run, x in nets:
        ms = per_face_ms(run, x)
        print(f"{name:24s} batch 8, {threads} intra-op threads: median {np.median(ms):.2f} ms/face "
              f"(min {ms.min():.2f}, max {ms.max():.2f}; {batches} batches)")
    print(f"dlib alignment (chip from the decoded image): {1000 * t_align:.2f} ms/face; "
          f"ArcFace alignment {1000 * t_arc_align:.2f} ms/face")
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load after: {up}")


# ---------------------------------------------------------------------------------------------------- main


def fmt_row(name: str, r: dict) -> str:
    return (f"{name:34s} w={r['w']:.1f} k={r['k']:2d} t={r['t']:.3f} | tuneF={r['f_tune']:.4f} | "
            f"AUC={r['auc']:.4f} P={r['P']:.4f} R={r['R']:.4f} F={r['F']:.4f} K/C={r['KC']:.3f} "
            f"| distractors in persons {r['absorbed']}, all scored: P={r['P_all']:.4f} F={r['F_all']:.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/identity_fusion.npz"))
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads per operator")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images (a quick try; do not cache)")
    ap.add_argument("--variants", default="", help="comma-separated indices into the variant list (default all)")
    ap.add_argument("--box-template", action="store_true", help="print the median box on the template and stop")
    ap.add_argument("--speed-batches", type=int, default=30, help="batches timed for the speed figure (0 = skip)")
    ap.add_argument("--speed-only", action="store_true", help="only the speed figures")
    ap.add_argument("--write-projection", action="store_true",
                    help="write organizer/cluster/projection.npz: each centred part's principal axes over the faces "
                         "of no evaluation identity (as the means)")
    ap.add_argument("--write-second-mean", action="store_true",
                    help="write organizer/cluster/mean_arcface.npy (the ArcFace-type network's mean over the "
                         "distractor folders) and stop")
    ap.add_argument("--age-term", action="store_true",
                    help="birth years from the predicted ages as if shot in 2025 (eq. 1's age term on; the app has "
                         "none for undated photos such as these)")
    ap.add_argument("--objective", choices=("id", "all"), default="id",
                    help="tune for BCubed F over identity faces (id, as bench/cluster_quality.py) or with every "
                         "distractor face scored as its own person (all)")
    args = ap.parse_args(argv)
    global AGE_TERM
    AGE_TERM = args.age_term
    if args.speed_only:
        speed(args.root, args.threads, args.speed_batches)
        return 0
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

    with open(args.root / "manifest.csv", newline="", encoding="utf-8") as f:
        manifest = {r["path"]: r for r in csv.DictReader(f)}
    z = load_or_embed(args.root, args.cache, args.threads, args.limit)
    if args.box_template:
        box_template(z)
        return 0
    if args.write_projection:
        write_projection(z)
        return 0
    if args.write_second_mean:
        from organizer.cluster.fusion import MEAN_SECOND_FILE

        mean = part_means(z, "arc")[1].astype(np.float32)
        np.save(MEAN_SECOND_FILE, mean)
        print(f"mean of {sum(p.startswith(MEAN_FOLDERS) for p in z['path'])} faces -> {MEAN_SECOND_FILE}")
        return 0
    unusable = int((~z["usable"].astype(bool)).sum())
    kinds = ("small face", "turned face", "fit the frontal template badly", "landmarks outside the image",
             "of the chip outside the image", "from the box")
    issues = collections.Counter(k for i in z["issue"].tolist() for k in kinds if k in i)
    print(f"faces {len(z['path'])}: dlib embedding unusable for {unusable}; flagged: {dict(issues)}")

    halves = make_halves(z, manifest)
    for i, h in enumerate(halves):
        print(f"half {i}: {int(h.is_id.sum())} identity faces of {len(set(h.truth.tolist()))} identities, "
              f"{int((~h.is_id).sum())} distractor faces")
    chosen = [VARIANTS[int(i)] for i in args.variants.split(",")] if args.variants else list(VARIANTS)
    results: dict[str, list[dict]] = {}
    for tune_i, test_i in ((0, 1), (1, 0)):
        print(f"\n== tuned on half {tune_i} (objective {args.objective}), reported on half {test_i} ==", flush=True)
        for v in chosen:
            t = time.perf_counter()
            r = evaluate(z, v, halves[tune_i], halves[test_i], args.objective)
            results.setdefault(v.name, []).append(r)
            print(fmt_row(v.name, r) + f" ({time.perf_counter() - t:.0f}s)", flush=True)
    print("\n== mean of the two directions ==")
    for name, rs in results.items():
        m = {k: float(np.mean([r[k] for r in rs])) for k in ("auc", "P", "R", "F", "KC", "P_all", "F_all")}
        print(f"{name:34s} AUC={m['auc']:.4f} P={m['P']:.4f} R={m['R']:.4f} F={m['F']:.4f} K/C={m['KC']:.3f} "
              f"| all scored: P={m['P_all']:.4f} F={m['F_all']:.4f}")
    print("\n== per source, untouched halves (faces, identities, AUC, P, R, F, K/C) ==")
    for name, rs in results.items():
        print(name)
        for d, r in enumerate(rs):
            for s, (n, ids, auc, p, rr, f, kc) in r["per_source"].items():
                print(f"   test half {1 - d} {s:16s} faces={n:4d} ids={ids:4d} AUC={auc:.4f} P={p:.4f} R={rr:.4f} "
                      f"F={f:.4f} K/C={kc:.3f}")
    if args.speed_batches:
        print()
        speed(args.root, args.threads, args.speed_batches)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
