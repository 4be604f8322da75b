#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the one-folder bundle dist/organizer/ with PyInstaller and smoke-test it.
#
#   packaging/build.sh [SAMPLE_IMAGE [SAMPLE_VIDEO]]
#
# SAMPLE_IMAGE: an image with exactly one face (default ../shared/data/faces/_unlabelled/immich_portrait.jpg).
# SAMPLE_VIDEO: a video for the index smoke test (default ../shared/data/faces/_videos/faceapi_video.mp4; skipped
#               when absent).
# Environment: PYTHON (default .venv/bin/python of the repo); CLEAN=1 for a build without PyInstaller's cache.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
SAMPLE="$(realpath "${1:-$ROOT/../shared/data/faces/_unlabelled/immich_portrait.jpg}")"
VIDEO="${2:-$ROOT/../shared/data/faces/_videos/faceapi_video.mp4}"

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: installing pyinstaller"
    "$PY" -m pip install pyinstaller
fi
echo "build.sh: $("$PY" -m PyInstaller --version | sed 's/^/pyinstaller /')"

start=$(date +%s)
clean=()
[[ "${CLEAN:-0}" == 1 ]] && clean=(--clean)
"$PY" -m PyInstaller --noconfirm "${clean[@]}" --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build" packaging/organizer.spec
end=$(date +%s)
echo "build.sh: built in $((end - start)) s; bundle $(du -sh dist/organizer | cut -f1)"

BIN="$ROOT/dist/organizer/organizer"
# Smoke tests run away from the source tree, with no overrides and a throw-away home, so that only the bundle's own
# files can be used and the user's library is never touched.
unset ORGANIZER_MODELS_DIR ORGANIZER_RESOURCES_DIR ORGANIZER_DB
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export HOME="$TMP/home" XDG_DATA_HOME="$TMP/home/data" XDG_STATE_HOME="$TMP/home/state"
export XDG_CACHE_HOME="$TMP/home/cache" XDG_CONFIG_HOME="$TMP/home/config"
mkdir -p "$HOME"
cd "$TMP"

echo "build.sh: smoke test: --version"
version="$("$BIN" --version)"
echo "$version"
expected="organizer $("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import organizer; print(organizer.__version__)' "$ROOT")"
if [[ "$version" != "$expected" ]]; then
    echo "build.sh: FAIL: --version printed '$version', expected '$expected'" >&2
    exit 1
fi

echo "build.sh: smoke test: analyze --json $SAMPLE"
json="$("$BIN" analyze --json "$SAMPLE")"
echo "$json"
faces="$(printf '%s' "$json" | "$PY" -c '
import json, sys
doc = json.load(sys.stdin)
images = doc if isinstance(doc, list) else doc.get("images", [doc])
print(sum(len(i["faces"]) for i in images if not i.get("error")))
')"
if [[ "$faces" != "1" ]]; then
    echo "build.sh: FAIL: expected 1 face in $SAMPLE, found $faces" >&2
    exit 1
fi
echo "build.sh: 1 face found"

echo "build.sh: smoke test: install-desktop (bundled resources)"
"$BIN" install-desktop --prefix "$TMP/share"
test -s "$TMP/share/applications/io.github.organizer.Organizer.desktop"
grep -q "^Exec=$BIN" "$TMP/share/applications/io.github.organizer.Organizer.desktop"

echo "build.sh: smoke test: index + status (sqlite, PyAV in the spawned worker)"
mkdir -p "$TMP/album"
cp "$SAMPLE" "$TMP/album/"
[[ -f "$VIDEO" ]] && cp "$VIDEO" "$TMP/album/"
timeout 300 "$BIN" index --db "$TMP/library.sqlite" --no-progress "$TMP/album"
status="$("$BIN" status --db "$TMP/library.sqlite" --json)"
echo "$status"
printf '%s' "$status" | "$PY" -c '
import json, sys
doc = json.load(sys.stdin)
video = 1 if sys.argv[1] == "1" else 0
assert doc["media"] == {"photo": 1, "video": video}, doc["media"]
assert not doc["errors"], doc["errors"]
assert doc["faces"] >= 1, doc["faces"]
' "$([[ -f "$VIDEO" ]] && echo 1 || echo 0)"

echo "build.sh: smoke test: the desktop app starts (offscreen, 15 s)"
rc=0
QT_QPA_PLATFORM=offscreen timeout 15 "$BIN" > "$TMP/gui.log" 2>&1 || rc=$?
if [[ $rc != 124 ]]; then
    cat "$TMP/gui.log" >&2
    echo "build.sh: FAIL: the desktop app exited with $rc within 15 s" >&2
    exit 1
fi
echo "build.sh: OK"
