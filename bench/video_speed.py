# SPDX-License-Identifier: MIT
"""Speed of ``organizer index`` on a 1-minute 1080p clip, with today's frame sampling.

    .venv/bin/python bench/video_speed.py [--seconds 60] [--keep /tmp/clip1080.mp4]

Makes the clip with PyAV (H.264, 30 fps, a key frame each second, as phones write them) from developer face
photos: a cut every ``--scene`` seconds, each scene two portraits of two identities (LFW photos enlarged so
the faces are about 240 px tall) on a plain background, the camera panning across it. The identities come
back in later scenes with other photos of them, so each is one track of the clip. Then one ``organizer index``
process indexes the clip's folder into a fresh library and the bench prints its wall time (start-up included),
the frames the sampling analyses (organizer.media.video.sample_times with the default FramePolicy), frames/s,
seconds of video per second, and the faces and tracks found beside the faces shown on those frames.
``--keep PATH`` keeps the clip (and reuses it when it is there: encoding takes longer than indexing).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from organizer.media.video import FramePolicy  # noqa: E402
from organizer.media.video import sample_times  # noqa: E402

FACES = REPO.parent / "shared" / "data" / "faces"
ORGANIZER = Path(sys.executable).with_name("organizer")
W, H, FPS = 1920, 1080, 30
PAN = 1.15  # the scene is this much larger than the frame; the camera moves across the excess
PORTRAIT = 540  # px: an LFW crop (250 px, face about 110 px) enlarged to this


def identities(n: int = 5, per: int = 4) -> list[list[Path]]:
    """``n`` identities with at least ``per`` LFW photos (250x250, faces centred), the first by name."""
    out = []
    for d in sorted(p for p in FACES.iterdir() if p.is_dir() and not p.name.startswith("_")):
        lfw = sorted(d.glob("lfw_*.jpg"))
        if len(lfw) >= per:
            out.append(lfw)
        if len(out) == n:
            break
    return out


def scene(k: int, people: list[list[Path]]) -> np.ndarray:
    """Scene ``k``: two identities side by side, each the (k // len)-th of its photos, on a plain background."""
    rng = np.random.default_rng(k)
    canvas = np.broadcast_to(rng.integers(40, 220, (1, 1, 3)), (round(H * PAN), round(W * PAN), 3)).astype(np.uint8)
    for slot, who in enumerate((k % len(people), (k + 2) % len(people))):
        photos = people[who]
        im = Image.open(photos[(k // len(people)) % len(photos)]).convert("RGB").resize((PORTRAIT, PORTRAIT))
        x = round(W * PAN * (0.15 + 0.4 * slot)) + int(rng.integers(0, 120))  # whole on every frame of the pan
        y = round((H * PAN - PORTRAIT) / 2) + int(rng.integers(-80, 80))
        canvas[y:y + PORTRAIT, x:x + PORTRAIT] = np.asarray(im)
    return canvas


def make_clip(path: Path, seconds: int, scene_s: int) -> None:
    import av

    people = identities()
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "veryfast", "crf": "23"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.gop_size = FPS
        per_scene = scene_s * FPS
        for i in range(seconds * FPS):
            if i % per_scene == 0:
                canvas = scene(i // per_scene, people)
            u = (i % per_scene) / per_scene  # the pan: top left to bottom right over the scene
            x, y = round(u * (canvas.shape[1] - W)), round(u * (canvas.shape[0] - H))
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(canvas[y:y + H, x:x + W]), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--scene", type=int, default=4, help="seconds between cuts")
    ap.add_argument("--keep", type=Path, help="keep the clip here (reused when present)")
    args = ap.parse_args()
    if not FACES.is_dir():
        print(f"no data at {FACES}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="organizer-video-") as tmp:
        folder = Path(tmp) / "clip"
        folder.mkdir()
        clip = folder / "clip1080.mp4"
        n_scenes = -(-args.seconds // args.scene)
        if args.keep and args.keep.is_file():
            os.symlink(args.keep.resolve(), clip)
            print(f"clip: {args.keep} (kept from an earlier run)")
        else:
            t = time.perf_counter()
            make_clip(clip, args.seconds, args.scene)
            print(f"clip: {args.seconds} s {W}x{H} {FPS} fps H.264, {n_scenes} scenes of 2 portraits, "
                  f"{clip.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - t:.0f} s")
            if args.keep:
                args.keep.write_bytes(clip.read_bytes())
        shown_per_frame = 2  # every scene shows two faces, whole, on every frame
        times = sample_times(float(args.seconds), float(FPS), FramePolicy())
        db = Path(tmp) / "video.sqlite"
        load = os.getloadavg()[0]
        t = time.perf_counter()
        done = subprocess.run([str(ORGANIZER), "index", "--db", str(db), "--no-progress", "--min-days", "0",
                               str(folder)], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t
        own = re.search(r"; ([\d.]+) s$", done.stderr.strip().splitlines()[-1])
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            faces, frames = con.execute("SELECT count(*), count(DISTINCT frame_s) FROM face").fetchone()
            tracks = con.execute("SELECT count(*) FROM video_track").fetchone()[0]
            persons = con.execute("SELECT count(DISTINCT person_id) FROM face").fetchone()[0]
        print(f"index: {wall:.1f} s wall, start-up included (the indexer's own figure "
              f"{own.group(1) if own else '?'} s; load average before {load:.2f})")
        print(f"sampling: {len(times)} frames analysed ({len(times) / args.seconds:.2f} a second of video): "
              f"{len(times) / wall:.1f} frames/s, {args.seconds / wall:.1f} s of video a second")
        print(f"found: {faces} faces on {frames} frames (shown: {shown_per_frame * len(times)} on {len(times)}), "
              f"{tracks} tracks ({len(identities())} identities shown), {persons} persons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
