# SPDX-License-Identifier: MIT
"""Persons in a real SQLite library: clustering, per-person attributes, hand edits, undo, and decisions
that survive re-clustering and new photos."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import ClassVar

import numpy as np
import pytest
from people_services import People as PeopleService

from devtools.synthetic import lift
from organizer.cluster import ClusterParams
from organizer.cluster.distance import stored_mean_embedding
from organizer.cluster.fusion import stored_projection
from organizer.db.models import DateSource
from organizer.db.models import Face
from organizer.db.models import Media
from organizer.db.models import MediaKind
from organizer.db.models import MediaStatus

DIM = 1024
#: the dimension of faceres' part in the app's projected space (organizer.cluster.fusion)
SPACE_DIM = 256


def _identity_centres(n: int, seed: int = 0) -> np.ndarray:
    """Unit identity centres in faceres' projected, centred part of the app's space (see :func:`_face_emb`)."""
    c = np.random.default_rng(seed).standard_normal((n, SPACE_DIM)).astype(np.float32)
    return c / np.linalg.norm(c, axis=1, keepdims=True)


def _face_emb(centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A raw 1024-D faceres embedding of a face close to ``centre``: made in the app's space and lifted back
    (devtools.synthetic.lift), so that the app's centring and projection keep what tells the faces apart."""
    v = centre + rng.standard_normal(SPACE_DIM).astype(np.float32) * 0.04
    return lift(v, stored_projection()[0], stored_mean_embedding())[0]


class Album:
    """Builds media and faces rows directly: identities 0..k with known birth years and genders."""

    BIRTH: ClassVar[dict[int, int]] = {0: 1980, 1: 2010, 2: 1955}
    MALE: ClassVar[dict[int, float]] = {0: 0.9, 1: 0.2, 2: 0.8}

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.centres = _identity_centres(4)
        self.rng = np.random.default_rng(1)
        self.n_media = 0

    def photo(self, identities: list[int], when: dt.datetime) -> list[int]:
        with self.sessions.begin() as s:
            self.n_media += 1
            m = Media(path=f"/album/p{self.n_media:04d}.jpg", size=1000, mtime_ns=0, kind=MediaKind.PHOTO,
                      width=4000, height=3000, taken_at=when, date_source=DateSource.EXIF, status=MediaStatus.OK)
            s.add(m)
            s.flush()
            ids = []
            for k, ident in enumerate(identities):
                age = when.year - self.BIRTH.get(ident, 1990) + float(self.rng.normal(0, 1))
                f = Face(media_id=m.id, x=100.0 + 500 * k, y=100.0, w=200.0, h=250.0, score=0.99,
                         embedding=_face_emb(self.centres[ident], self.rng).tobytes(), embedding_model="test",
                         embedding_dim=DIM, p_male=self.MALE.get(ident, 0.5), age=age)
                s.add(f)
                s.flush()
                ids.append(f.id)
            return ids

    def persons_by_face(self, people: PeopleService) -> dict[int, int]:
        return {f.id: p.id for p in people.list_persons() for f in people.person_faces(p.id)}


@pytest.fixture
def album(library) -> Album:
    a = Album(library)
    for year in (2015, 2017, 2019):
        for month in (3, 8):
            a.photo([0], dt.datetime(year, month, 1, 12))
            a.photo([1], dt.datetime(year, month, 2, 12))
            a.photo([2, 0], dt.datetime(year, month, 3, 12))
    return a


def test_clustering_finds_persons_with_gender_and_birth_year(album: Album, library) -> None:
    people = PeopleService(library)
    list(people.recluster())
    persons = people.list_persons()
    assert len(persons) == 3
    by_size = sorted(persons, key=lambda p: -p.n_faces)
    assert [p.n_faces for p in by_size] == [12, 6, 6]
    adult = by_size[0]
    assert adult.gender == "male" and abs(adult.birth_year - 1980) <= 1
    assert adult.birth_year_range[0] <= 1980 <= adult.birth_year_range[1]
    girl = next(p for p in persons if p.gender == "female")
    assert abs(girl.birth_year - 2010) <= 1
    faces = people.person_faces(girl.id)
    assert [f.taken.year for f in faces] == sorted(f.taken.year for f in faces)
    assert abs(faces[0].age_at_photo - (2015 - 2010)) < 1.5


def test_edits_undo_and_recluster_keeps_decisions(album: Album, library) -> None:
    people = PeopleService(library)
    list(people.recluster())
    adult, girl, elder = sorted(people.list_persons(), key=lambda p: (-p.n_faces, p.p_male))
    # merge two persons, then undo: exactly as before
    before = album.persons_by_face(people)
    res = people.merge([girl.id, elder.id])
    assert len(people.list_persons()) == 2
    people.undo(res)
    assert album.persons_by_face(people) == before

    # rename and hide, move a face, split two faces, remove one
    people.rename(girl.id, "Anna")
    people.set_hidden(elder.id, True)
    moved = people.person_faces(adult.id)[0].id
    people.move_faces([moved], girl.id)
    split_faces = [f.id for f in people.person_faces(adult.id)[:2]]
    split = people.split(split_faces)
    removed = people.person_faces(adult.id)[0].id
    people.remove_faces([removed])

    def state():
        return album.persons_by_face(people), {(p.id, p.name, p.hidden) for p in people.list_persons()}

    edited = state()
    list(people.recluster())  # a full re-cluster keeps every hand decision
    assert state() == edited
    names = {p.name for p in people.list_persons()}
    assert "Anna" in names
    assert next(p for p in people.list_persons() if p.id == elder.id).hidden
    assert album.persons_by_face(people)[moved] == girl.id
    assert {album.persons_by_face(people)[f] for f in split_faces} == {split.person_id}
    assert removed not in album.persons_by_face(people)
    assert removed not in {f.id for f in people.unassigned_faces()}

    # new photos arrive: they join existing persons, the decisions stay
    new_adult = album.photo([0], dt.datetime(2021, 5, 5))[0]
    new_girl = album.photo([1], dt.datetime(2021, 6, 6))[0]
    list(people.recluster(incremental=True))
    assert album.persons_by_face(people)[new_girl] == girl.id
    assert album.persons_by_face(people)[new_adult] == adult.id
    assert album.persons_by_face(people)[moved] == girl.id


def test_same_photo_faces_are_never_one_person(library) -> None:
    a = Album(library)
    twins = a.centres[3]
    for y in (2016, 2018, 2020):
        ids = a.photo([3, 3], dt.datetime(y, 1, 1))  # two near-identical faces on one photo
        assert len(ids) == 2
    people = PeopleService(library, ClusterParams(min_span_days=0))
    list(people.recluster())
    for p in people.list_persons():
        media = [f.media_id for f in people.person_faces(p.id)]
        assert len(media) == len(set(media))
    assert twins is not None


def test_people_json_contract(album: Album, library, tmp_path) -> None:
    list(PeopleService(library).recluster())
    proc = subprocess.run([sys.executable, "-m", "organizer", "people", "--db", str(tmp_path / "lib.sqlite"),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"persons", "unassigned"}
    p = doc["persons"][0]
    assert set(p) == {"id", "name", "hidden", "gender", "p_male", "birth_year", "birth_year_range", "birth_date",
                      "faces"}
    assert p["gender"] in ("male", "female") and isinstance(p["birth_year"], int)
    lo, hi = p["birth_year_range"]
    assert lo <= p["birth_year"] <= hi
    f = p["faces"][0]
    assert set(f) == {"id", "media", "frame_ms", "box", "taken", "taken_source", "age", "p_male"}
    assert f["taken_source"] == "exif"
    assert f["media"].startswith("/album/") and f["frame_ms"] is None and len(f["box"]) == 4
    dt.datetime.fromisoformat(f["taken"])


def test_people_csv_for_a_spreadsheet(album: Album, library, tmp_path) -> None:
    import csv
    import io

    people = PeopleService(library)
    list(people.recluster())
    adult = max(people.list_persons(), key=lambda p: p.n_faces)
    people.rename(adult.id, 'Smith, "Bob" Zoë')
    proc = subprocess.run([sys.executable, "-m", "organizer", "people", "--db", str(tmp_path / "lib.sqlite"),
                           "--csv"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(rows[0]) == ["id", "name", "gender", "birth_year", "birth_year_low", "birth_year_high", "photos",
                             "faces", "first_date", "last_date", "hidden"]
    assert len(rows) == 3
    bob = next(r for r in rows if r["id"] == str(adult.id))
    assert bob["name"] == 'Smith, "Bob" Zoë' and bob["gender"] == "male" and bob["faces"] == "12"
    assert int(bob["birth_year_low"]) <= int(bob["birth_year"]) <= int(bob["birth_year_high"])
    assert (bob["first_date"], bob["last_date"]) == ("2015-03-01", "2019-08-03")


def test_new_photo_with_two_look_alikes_gives_one_face_to_the_person(album: Album, library) -> None:
    people = PeopleService(library)
    list(people.recluster())
    adult = max(people.list_persons(), key=lambda p: p.n_faces)
    twins = album.photo([0, 0], dt.datetime(2022, 2, 2))  # two faces of the same look on one new photo
    list(people.recluster(incremental=True))
    owners = album.persons_by_face(people)
    assert [owners.get(f) for f in twins].count(adult.id) == 1


@pytest.mark.parametrize("cancel_at", [0, 1, 2])
def test_cancelled_recluster_writes_nothing(album: Album, library, cancel_at: int) -> None:
    """Cancelled after reading the items (0), while preparing and linking them (1), or before writing (2)."""
    from organizer.core.progress import CancelToken

    people = PeopleService(library)
    cancel = CancelToken()
    events = []
    for p in people.recluster(cancel):
        events.append(p)
        if p.done == cancel_at:
            cancel.cancel()
    assert len(events) == cancel_at + 1
    assert people.list_persons() == []
    with library() as s:
        assert s.query(Face).filter(Face.person_id.is_not(None)).count() == 0
    list(people.recluster())  # the same service, not cancelled, does the work
    assert len(people.list_persons()) == 3


def test_cli_cluster_uses_and_saves_the_library_settings(album: Album, library, tmp_path, capsys) -> None:
    from organizer.cli.main import main as cli_main
    from organizer.services.settings_service import SettingsService

    db = str(tmp_path / "lib.sqlite")
    assert cli_main(["cluster", "--db", db]) == 0
    assert len(PeopleService(library).list_persons()) == 3
    # a flag without --save applies to this run only
    assert cli_main(["cluster", "--db", db, "--min-faces", "100"]) == 0
    assert PeopleService(library).list_persons() == []
    assert SettingsService(library).load().min_faces == 2
    assert cli_main(["cluster", "--db", db]) == 0
    assert len(PeopleService(library).list_persons()) == 3
    # --save makes it the library's: the next plain run (or the app) keeps it
    assert cli_main(["cluster", "--db", db, "--min-faces", "100", "--save"]) == 0
    assert SettingsService(library).load().min_faces == 100
    assert cli_main(["cluster", "--db", db]) == 0
    assert PeopleService(library).list_persons() == []
    assert "at least 100 faces" in capsys.readouterr().err


def test_a_threshold_saved_for_another_identity_network_gives_way_to_the_new_default(library, caplog) -> None:
    from organizer.db import repo
    from organizer.db.engine import write_sessions
    from organizer.services.settings_service import THRESHOLD_SPACE_KEY
    from organizer.services.settings_service import LibrarySettings
    from organizer.services.settings_service import SettingsService

    settings = SettingsService(library)
    settings.save(LibrarySettings(threshold=0.9, min_faces=3))
    assert (settings.load().threshold, settings.load().min_faces) == (0.9, 3)  # saved in today's space: kept
    with write_sessions(library).begin() as s:  # as a library saved under dlib's ResNet left it
        repo.write_settings(s, {THRESHOLD_SPACE_KEY: "faceres:old+dlib:old"})
    with caplog.at_level("INFO"):
        loaded = settings.load()
    assert loaded.threshold == LibrarySettings().threshold and loaded.min_faces == 3
    assert "another identity network" in caplog.text


def test_people_json_into_a_closed_pipe_ends_quietly(album: Album, library, tmp_path) -> None:
    list(PeopleService(library).recluster())
    # the reader is gone (``true`` exits at once) long before Python has started and writes
    cmd = f"{sys.executable} -m organizer people --db {tmp_path / 'lib.sqlite'} --json | true"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 141, proc.stderr
    assert "Traceback" not in proc.stderr
