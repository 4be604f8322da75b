# SPDX-License-Identifier: MIT
"""The app re-clusters while the indexer writes: neither may fail with "database is locked"."""

from __future__ import annotations

import threading

from index_fakes import FakeEngine
from index_fakes import write_jpeg
from people_services import People as PeopleService

from organizer.cluster import ClusterParams
from organizer.db.models import Media
from organizer.services.index_service import IndexService
from organizer.services.index_service import IndexSettings


def test_recluster_while_indexing(tmp_path, library) -> None:
    album = tmp_path / "album"
    album.mkdir()
    for i in range(150):
        write_jpeg(album / f"{i:04d}.jpg", i % 30)
    # commit every file, so that the writer and the re-clustering really interleave
    svc = IndexService(library, lambda: FakeEngine(delay_s=0.01), IndexSettings(commit_every=1, isolate_videos=False))
    people = PeopleService(library, ClusterParams(centre=False, min_span_days=0))
    errors: list[BaseException] = []

    def index() -> None:
        try:
            for _ in svc.run([str(album)]):
                pass
        except BaseException as e:
            errors.append(e)

    def indexed() -> int:
        with library() as s:
            return s.query(Media).count()

    t = threading.Thread(target=index)
    t.start()
    rounds = overlapping = 0
    while t.is_alive() or rounds < 2:
        before = indexed()
        for _ in people.recluster(incremental=rounds % 2 == 1):
            pass
        # a round that began and ended while the indexer was writing really ran beside it
        overlapping += int(before > 0 and indexed() < 150 and t.is_alive())
        rounds += 1
    t.join()
    assert not errors, errors
    assert indexed() == 150
    assert overlapping >= 1, "no re-clustering round ran while the indexer was writing"
    assert rounds >= 2
