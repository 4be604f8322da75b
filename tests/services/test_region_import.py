# SPDX-License-Identifier: MIT
"""Face regions other tools wrote, read at indexing time, with the real networks on real photos and a real library:
photos and sidecars tagged by exiftool (MWG and Microsoft Photo regions), drawn faces for regions where no face
was found, malformed XMP, the user's corrections kept over a re-analysis, and Organizer's own export read back
into a fresh library. exiftool is an independent writer; the tests that need it skip where it is absent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from organizer.cli.main import main as cli_main
from organizer.cluster import ClusterParams
from organizer.core.progress import drive
from organizer.db.engine import open_library
from organizer.db.models import DecidedBy
from organizer.db.models import DecisionKind
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.media.decode import decode
from organizer.media.decode import probe
from organizer.media.decode import read_bytes
from organizer.services.clustering import ClusteringService
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings
from organizer.services.person_edits import PersonEdits
from organizer.services.region_import import DECISION_VALUE
from organizer.services.region_import import read_photo_regions
from organizer.services.xmp_export import XmpExport
from organizer.vision.engine import AnalyzerEngine

GROUP = "_groups/faceapi_bbt1.jpg"  # four faces, 1366 x 768, no EXIF orientation
COUPLE = "_groups/deepface_couple.jpg"
HARD = 'Zoë 王 "<&>'
QUOTES = "O'Brien \"Junior\""

Px = tuple[float, float, float, float]


def _exiftool() -> str:
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool is not installed (Debian: apt-get install libimage-exiftool-perl; .ci/run does)")
    return exe


def _sv(s: str) -> str:
    """A value inside exiftool's structure syntax (its special characters escaped with '|')."""
    return "".join("|" + c if c in ",]}|" else c for c in s)


def _mwg_arg(regions: list[tuple[str | None, str, Px]], size: tuple[int, int]) -> str:
    w, h = size
    items = ",".join(
        f"{{Area={{X={(x + bw / 2) / w},Y={(y + bh / 2) / h},W={bw / w},H={bh / h},Unit=normalized}},"
        + (f"Name={_sv(n)}," if n is not None else "") + f"Type={t}}}" for n, t, (x, y, bw, bh) in regions)
    return f"-XMP-mwg-rs:RegionInfo={{AppliedToDimensions={{W={w},H={h},Unit=pixel}},RegionList=[{items}]}}"


def _mp_arg(regions: list[tuple[str, Px]], size: tuple[int, int]) -> str:
    w, h = size
    items = ",".join(f"{{PersonDisplayName={_sv(n)},Rectangle={_sv(f'{x / w}, {y / h}, {bw / w}, {bh / h}')}}}"
                     for n, (x, y, bw, bh) in regions)
    return f"-XMP-MP:RegionInfoMP={{Regions=[{items}]}}"


def _tag(photo: Path, *args: str, sidecar: Path | None = None) -> None:
    """exiftool writes the tags into the photo, or into a new sidecar (the photo untouched)."""
    target = ["-o", str(sidecar), str(photo)] if sidecar is not None else ["-overwrite_original", str(photo)]
    subprocess.run([_exiftool(), "-q", *args, *target], check=True, capture_output=True, timeout=60)


def _grow(b: Px, k: float = 0.2, dx: float = 0.0) -> Px:
    """A box as another tool draws it around the same face: larger by ``k`` and shifted by ``dx`` of its width."""
    x, y, w, h = b
    return (x - w * k / 2 + w * dx, y - h * k / 2, w * (1 + k), h * (1 + k))


@pytest.fixture
def engine(analyzer) -> AnalyzerEngine:
    return AnalyzerEngine(analyzer)


@pytest.fixture
def album(faces_dir, tmp_path) -> Path:
    root = tmp_path / "album"
    root.mkdir()
    for src in (GROUP, COUPLE):
        if not (faces_dir / src).exists():
            pytest.skip(f"{src} is not in the developer face set")
        shutil.copy(faces_dir / src, root / Path(src).name)
        (root / Path(src).name).chmod(0o644)
    return root


def _boxes(analyzer, photo: Path) -> list[Px]:
    """The detector's boxes on the photo, left to right."""
    faces = analyzer.analyze_file(photo).faces
    return sorted((f.detection.box.x, f.detection.box.y, f.detection.box.w, f.detection.box.h) for f in faces)


def _index(sessions, root: Path, engine):
    svc = IndexService(sessions, lambda: engine, IndexSettings(analysis_id=engine.analysis_id, isolate_videos=False))
    return drive(svc.run([str(root)]))


def _faces(sessions, photo: Path) -> list[tuple[Px, str | None, DecidedBy | None, list[DecisionKind]]]:
    """``(box, person's name, assigned_by, decision kinds)`` of each face of a photo, left to right."""
    with sessions() as s:
        rows = s.scalars(select(Face).join(Media).where(Media.path == str(photo))).all()
        out = []
        for f in sorted(rows, key=lambda f: f.x):
            kinds = sorted(s.scalars(select(UserDecision.kind).where(UserDecision.face_id == f.id)))
            out.append(((f.x, f.y, f.w, f.h), f.person.name if f.person else None, f.assigned_by, kinds))
        return out


def _at(faces, box: Px):
    """The face of ``_faces`` at ``box``: ``(name, decision kinds)``."""
    found = [(n, k) for b, n, _by, k in faces if b == pytest.approx(box)]
    assert len(found) == 1, (box, faces)
    return found[0]


def _person_names(sessions) -> list[str | None]:
    with sessions() as s:
        return sorted(n for n in s.scalars(select(Person.name)) if n is not None)


def test_exiftool_regions_in_a_jpeg_become_confirmed_persons_and_drawn_faces(library, album, analyzer, engine):
    photo = album / "faceapi_bbt1.jpg"
    a, b, c, d = _boxes(analyzer, photo)
    ghost = (1180.0, 560.0, 150.0, 150.0)  # no face was detected there
    _tag(photo, _mwg_arg([(HARD, "Face", _grow(a)), (QUOTES, "Face", _grow(b, 0.1, 0.15)), (None, "Face", c),
                          ("Rex", "Pet", d), ("Ghost", "Face", ghost), ("Tiny", "Face", (40.0, 700.0, 8.0, 8.0))],
                         (1366, 768)))
    res = _index(library, album, engine)
    assert res.errors == [] and res.analyzed == 2
    assert [p for p, _w in res.warnings] == [str(photo)]
    assert "'Tiny' is 8 x 8 pixels, too small for a face" in res.warnings[0][1]

    faces = _faces(library, photo)
    assert len(faces) == 5  # four detected, one drawn
    by_name = {name: (box, by, kinds) for box, name, by, kinds in faces if name}
    assert set(by_name) == {HARD, QUOTES, "Ghost"}
    assert by_name[HARD] == (pytest.approx(a), DecidedBy.USER, [DecisionKind.MUST_LINK])
    assert by_name[QUOTES] == (pytest.approx(b), DecidedBy.USER, [DecisionKind.MUST_LINK])
    assert by_name["Ghost"] == (pytest.approx(ghost), DecidedBy.USER, [DecisionKind.DRAWN, DecisionKind.MUST_LINK])
    # the nameless region and the pet's leave their faces to the clustering
    assert _at(faces, c) == _at(faces, d) == (None, [])
    assert all(by is None for box, n, by, _k in faces if n is None)
    with library() as s:
        drawn = s.scalars(select(Face).join(Person).where(Person.name == "Ghost")).one()
        assert drawn.thumbnail and drawn.embedding_model == engine.embedding_model and drawn.score == 1.0
        dec = s.scalars(select(UserDecision).where(UserDecision.face_id == drawn.id,
                                                   UserDecision.kind == DecisionKind.MUST_LINK)).one()
        assert (dec.person_id, dec.value) == (drawn.person_id, DECISION_VALUE)

    drive(ClusteringService(library).recluster(ClusterParams()))  # a full re-clustering keeps them
    after = {name: box for box, name, _by, _k in _faces(library, photo) if name}
    assert after == {HARD: pytest.approx(a), QUOTES: pytest.approx(b), "Ghost": pytest.approx(ghost)}
    again = _index(library, album, engine)  # unchanged: nothing is read again, nothing added
    assert again.analyzed == 0 and again.warnings == []
    assert len(_faces(library, photo)) == 5 and _person_names(library).count(HARD) == 1


def test_sidecar_wins_microsoft_regions_are_read_and_names_find_their_persons(library, album, analyzer, engine):
    group, couple = album / "faceapi_bbt1.jpg", album / "deepface_couple.jpg"
    a, b, _c, _d = _boxes(analyzer, group)
    left, _right = _boxes(analyzer, couple)
    # digiKam's sidecar, with Microsoft Photo regions only (top-left rectangles): it wins over the photo's own
    _tag(group, _mp_arg([(" Anna ", _grow(a)), ("B\u00e9n", b)], (1366, 768)), sidecar=album / "faceapi_bbt1.jpg.xmp")
    _tag(group, _mwg_arg([("In The Photo", "Face", a)], (1366, 768)))  # after the sidecar: exiftool copies XMP to it
    # Lightroom's sidecar of the other photo (IMG.xmp), regions applied to another size: normalised, they fit
    half = tuple(v / 2 for v in _grow(left))
    _tag(couple, _mwg_arg([("Anna", "Face", half)], (1140, 794)), sidecar=album / "deepface_couple.xmp")
    with library.begin() as s:
        s.add(Person(name="Be\u0301n"))  # an existing person, named in another Unicode form
    with library() as s:
        ben = s.scalars(select(Person.id).where(Person.name == "Be\u0301n")).one()

    res = _index(library, album, engine)
    assert res.errors == [] and res.warnings == []
    assert _person_names(library) == ["Anna", "Be\u0301n"]  # one Anna for both photos, no "In The Photo"
    with library() as s:
        anna = s.scalars(select(Person).where(Person.name == "Anna")).one()
        assert sorted(f.media.path for f in anna.faces) == [str(couple), str(group)]
        assert all(f.assigned_by == DecidedBy.USER for f in anna.faces)
        assert [(f.x, f.y, f.w, f.h) for f in s.get(Person, ben).faces] == [pytest.approx(b)]


def test_malformed_xmp_gives_a_warning_and_the_faces_are_still_indexed(library, album, engine):
    group, couple = album / "faceapi_bbt1.jpg", album / "deepface_couple.jpg"
    (album / "faceapi_bbt1.jpg.xmp").write_bytes(
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><mwg-rs:Name>A <&> B</mwg-rs:Name>")
    data = couple.read_bytes()
    bad = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF>\xd0\x90\xff</x:xmpmeta>"
    couple.write_bytes(data[:2] + b"\xff\xe1" + (len(bad) + 2).to_bytes(2, "big") + bad + data[2:])
    res = _index(library, album, engine)
    assert res.errors == [] and res.analyzed == 2
    warnings = dict(res.warnings)
    assert warnings[str(group)].startswith("the sidecar faceapi_bbt1.jpg.xmp is not well-formed XML")
    assert warnings[str(couple)].startswith("the photo's XMP is not well-formed XML")
    assert len(_faces(library, group)) == 4 and len(_faces(library, couple)) == 2
    assert _person_names(library) == []


def test_a_re_analysis_never_overrides_the_user(library, album, analyzer, engine):
    photo = album / "faceapi_bbt1.jpg"
    a, b, c, _d = _boxes(analyzer, photo)
    ghost = (1180.0, 560.0, 150.0, 150.0)
    _tag(photo, _mwg_arg([("Anna", "Face", a), ("Ghost", "Face", ghost)], (1366, 768)))
    _index(library, album, engine)
    with library() as s:
        fa = s.scalars(select(Face.id).join(Person).where(Person.name == "Anna")).one()
        fg = s.scalars(select(Face.id).join(Person).where(Person.name == "Ghost")).one()
    edits = PersonEdits(library)
    mine = edits.split([fa]).person_id  # the user: this is not Anna
    edits.rename(mine, "Not Anna")
    edits.remove_faces([fg])  # the user: no face there
    # another tool changes the photo: its regions are read again, and a new one names face b
    _tag(photo, _mwg_arg([("Anna", "Face", a), ("Ghost", "Face", ghost), ("Carl", "Face", b),
                          ("Anna", "Face", c)], (1366, 768)))
    res = _index(library, album, engine)
    assert res.changed == 1 and res.errors == []
    faces = _faces(library, photo)
    assert _at(faces, a) == ("Not Anna", [DecisionKind.CANNOT_LINK, DecisionKind.MUST_LINK])
    assert _at(faces, ghost) == (None, [DecisionKind.DRAWN, DecisionKind.MUST_LINK, DecisionKind.REMOVED])
    assert _at(faces, b) == ("Carl", [DecisionKind.MUST_LINK])  # no one had decided about it
    assert _at(faces, c) == ("Anna", [DecisionKind.MUST_LINK])
    assert len(faces) == 5  # no second ghost


def test_organizer_export_reads_back_into_a_fresh_library(library, album, engine, tmp_path):
    names = iter([HARD, QUOTES, "Ана-Мария", "Bob", "Eve", "Zed"])
    _index(library, album, engine)
    edits = PersonEdits(library)
    with library() as s:
        fids = list(s.scalars(select(Face.id).order_by(Face.id)))
    for fid in fids:
        edits.rename(edits.split([fid]).person_id, next(names))
    exported = drive(XmpExport(library).run())
    assert len(exported.written) == 2 and exported.failed == []
    before = {p: _faces(library, album / p) for p in ("faceapi_bbt1.jpg", "deepface_couple.jpg")}

    engine2, fresh = open_library(tmp_path / "fresh.sqlite")
    try:
        res = _index(fresh, album, engine)
        assert res.errors == [] and res.warnings == []
        assert _person_names(fresh) == _person_names(library)
        for p, faces in before.items():
            assert [(box, n) for box, n, _by, _k in _faces(fresh, album / p)] == \
                   [(pytest.approx(box), n) for box, n, _by, _k in faces]
    finally:
        engine2.dispose()


def test_cli_index_reads_a_sidecar_and_clustering_keeps_it(album, analyzer, tmp_path, capsys):
    photo = album / "faceapi_bbt1.jpg"
    a, *_ = _boxes(analyzer, photo)
    _tag(photo, _mwg_arg([(HARD, "Face", _grow(a, 0.3))], (1366, 768)), sidecar=album / "faceapi_bbt1.jpg.xmp")
    before = photo.read_bytes()
    db = tmp_path / "cli.sqlite"
    assert cli_main(["index", "--db", str(db), "--no-progress", str(album)]) == 0  # indexes, then clusters
    # the tagged person is no earlier clustering's: a new library is not "upgraded to a new identity network"
    said = capsys.readouterr()
    assert "Indexed" in said.out + said.err and "new identity network" not in said.out + said.err
    assert photo.read_bytes() == before
    engine, sessions = open_library(db)
    try:
        with sessions() as s:
            p = s.scalars(select(Person).where(Person.name == HARD)).one()
            assert [(f.x, f.y, f.w, f.h) for f in p.faces if f.assigned_by == DecidedBy.USER] == [pytest.approx(a)]
    finally:
        engine.dispose()


def test_regions_of_a_photo_tagged_elsewhere_and_its_turned_copy(library, faces_dir, engine, tmp_path):
    """immich's test photos of the Curies, tagged by another tool with MWG regions: the same photo stored upright
    and stored turned (EXIF orientation 6, regions on the stored pixels) give the same faces and persons."""
    names = ("immich_portrait.jpg", "immich_portrait-orientation-6.jpg")
    root = tmp_path / "curies"
    root.mkdir()
    for n in names:
        if not (faces_dir / "_unlabelled" / n).exists():
            pytest.skip(f"{n} is not in the developer face set")
        (root / n).symlink_to(faces_dir / "_unlabelled" / n)
    res = _index(library, root, engine)
    assert res.errors == [] and res.warnings == []
    upright, turned = (_faces(library, root / n) for n in names)
    assert [(n, k) for _b, n, _by, k in upright] == [
        ("Marie Curie", [DecisionKind.MUST_LINK]),  # on the face the detector found (IoU 0.68)
        ("Pierre Curie", [DecisionKind.DRAWN, DecisionKind.MUST_LINK])]  # the detector misses his face
    assert [n for _b, n, _by, _k in turned] == ["Marie Curie", "Pierre Curie"]
    for (b1, *_), (b2, *_) in zip(upright, turned, strict=True):
        assert b2 == pytest.approx(b1, abs=3)  # pixels of the upright image in both
    assert _person_names(library) == ["Marie Curie", "Pierre Curie"]


def test_regions_written_for_the_upright_image_are_recognised_by_their_dimensions(faces_dir, tmp_path):
    """A writer that put its regions on the upright image says so with AppliedToDimensions in the upright shape:
    they are read as they are, not turned a second time."""
    src = faces_dir / "_unlabelled" / "immich_portrait-orientation-6.jpg"
    if not src.exists():
        pytest.skip(f"{src.name} is not in the developer face set")
    photo = tmp_path / "turned.jpg"
    photo.symlink_to(src)
    data = read_bytes(photo)
    image = decode(data, header=probe(data))
    stored = read_photo_regions(str(photo), data, image)  # immich's own regions: on the stored pixels (700 x 840)
    assert [n for n, _b in stored.named] == ["Marie Curie", "Pierre Curie"] and stored.warnings == []
    _tag(photo, _mwg_arg([(n, "Face", b) for n, b in stored.named], (image.width, image.height)),
         sidecar=tmp_path / "turned.jpg.xmp")
    upright = read_photo_regions(str(photo), data, image)  # the sidecar's, on the upright pixels (840 x 700)
    assert [(n, pytest.approx(b)) for n, b in stored.named] == upright.named
