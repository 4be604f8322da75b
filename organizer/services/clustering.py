# SPDX-License-Identifier: MIT
"""Clustering the library's faces into persons, full or incremental, keeping every user decision.

User decisions are stored, not only their results (:mod:`organizer.services.person_edits`), so that a
re-cluster keeps every one of them:

* a face the user placed (merge, move, split, or a person the user named) is *confirmed*:
  ``Face.assigned_by == USER``; the clustering treats confirmed faces of one person as a must-link and
  confirmed faces of different persons as never one person;
* a face moved or split out of a person has a ``cannot_link`` decision with its old person;
* a removed non-face has a ``removed`` decision and never comes back;
* hidden and renamed persons keep their flag and name (the person row survives re-clustering because
  its confirmed faces continue it).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import ClusterParams
from organizer.cluster import PersonProfile
from organizer.cluster import assign_to_persons
from organizer.cluster import choose_covers
from organizer.cluster import cluster_faces
from organizer.cluster.blas import one_blas_thread
from organizer.core.progress import Cancelled
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.core.vocabulary import Phase
from organizer.db import repo
from organizer.db.engine import write_sessions
from organizer.db.models import DecidedBy
from organizer.db.models import Face
from organizer.db.models import Person
from organizer.services.cluster_items import ClusterItems
from organizer.services.cluster_items import current_clustering_space
from organizer.services.cluster_items import load_items
from organizer.services.prepared_space import PreparedSpace
from organizer.vision import engine as vision_engine

log = logging.getLogger(__name__)

#: The library setting naming the identity space the persons were last formed in (see ``recluster``).
IDENTITY_SPACE_KEY = "clustered_identity_space"

#: A plan: labels for every item (person ids >= 0, -1 unsorted), new clusters to create, person ids reused.
Plan = tuple[np.ndarray, list[np.ndarray], list[int]]


class ClusteringService:
    """Groups the library's faces into persons; one instance per library."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._writes = write_sessions(sessions)
        #: The last run's clustering space, reused by the next run for the faces that did not change.
        self.space = PreparedSpace()
        #: Whether the last run clustered every face (asked for, or an upgrade: see :meth:`recluster`).
        self.last_run_was_full = False

    def recluster(self, params: ClusterParams, cancel: CancelToken | None = None,
                  incremental: bool = False) -> Iterator[Progress]:
        """Cluster the library's faces into persons, keeping every user decision.

        The faces are read in one short read transaction, clustered outside any transaction (the indexer
        keeps writing meanwhile), and the result is written in one short write transaction that never
        touches a face the user decided in the meantime.

        Args:
            params: clustering settings (the library's: :class:`~organizer.services.settings_service.LibrarySettings`).
            cancel: checked between the phases (items read, items prepared, linkage, rules) and before the
                result is written; a cancelled run changes nothing.
            incremental: keep the existing persons; unassigned faces join the nearest person when close
                enough, the rest are clustered among themselves (the normal case after indexing new photos).
                Not when the persons were formed in another identity space (an older identity network) and
                every file has been analyzed again since: then the run clusters everything, once, so the new
                network's persons replace the old ones (hand edits kept as always); ``last_run_was_full`` says so.
        """
        cancel = cancel or CancelToken()
        yield Progress(Phase.CLUSTER, 0, 3)
        space = current_clustering_space()
        with self._sessions() as s:
            stored = repo.read_settings(s).get(IDENTITY_SPACE_KEY)
            # persons the clustering formed (not only those the user, or other tools' face tags, named)
            had_persons = s.query(Face.id).filter(Face.assigned_by == DecidedBy.ALGORITHM).first() is not None
            if incremental and had_persons and stored != space and not repo.has_stale_analysis(
                    s, vision_engine.current_analysis_id()):
                log.info("Every file is analyzed by the new identity network: clustering all faces again, once")
                incremental = False
            items = load_items(s)
        self.last_run_was_full = not incremental
        # faceres and the ArcFace-type network fused into one centred embedding per item, each blended with its nearest
        # faces': the rest works on that (kept from the last run for the faces that did not change)
        with one_blas_thread():
            x, params = self.space.prepare(items, params)
        if cancel.cancelled:
            return
        yield Progress(Phase.CLUSTER, 1, 3)
        try:
            with one_blas_thread():
                plan = self._plan_incremental(items, x, params, cancel) if incremental else \
                    self._plan_full(items, x, params, cancel)
        except Cancelled:
            log.info("Clustering cancelled; nothing written")
            return
        yield Progress(Phase.CLUSTER, 2, 3)
        if cancel.cancelled:
            return
        with self._writes.begin() as s:
            self._apply(s, items, *plan, incremental=incremental)
            repo.drop_empty_persons(s)
            if not incremental or not had_persons:  # the persons are now formed in today's identity space
                repo.write_settings(s, {IDENTITY_SPACE_KEY: space})
        yield Progress(Phase.CLUSTER, 3, 3)

    def _plan_full(self, items: ClusterItems, x: np.ndarray, params: ClusterParams, cancel: CancelToken) -> Plan:
        """Labels for every item: person ids where known (>= 0), -1 unsorted, and new clusters to create."""
        new_person = np.full(items.n, -1, dtype=np.int64)
        if not items.n:
            return new_person, [], []
        result = cluster_faces(items.cluster_input(items.all_indices(), x), params, cancel)
        # Keep person ids stable: a new cluster continues the person most of its members had before.
        taken = {c.person_id for c in result.clusters if c.person_id >= 0}
        new_clusters, reuse = [], []
        for c in sorted(result.clusters, key=lambda c: -c.size):
            if c.person_id >= 0:
                new_person[c.members] = c.person_id
                continue
            prev = [p for p in items.person[c.members] if p >= 0 and p not in taken]
            if prev:
                pid = int(np.bincount(prev).argmax())
                taken.add(pid)
                new_person[c.members] = pid
                reuse.append(pid)
            else:
                new_clusters.append(c.members)
        return new_person, new_clusters, reuse

    def _plan_incremental(self, items: ClusterItems, x: np.ndarray, params: ClusterParams,
                          cancel: CancelToken) -> Plan:
        new_person = items.person.copy()
        open_idx = np.flatnonzero((items.person < 0) & ~items.removed)
        if not open_idx.size:
            return new_person, [], []
        # New faces and existing persons are compared in one space, prepared over the whole library (``x``), as a
        # full re-cluster would.
        by_person: dict[int, list[int]] = defaultdict(list)
        for i in np.flatnonzero(items.person >= 0):
            by_person[int(items.person[i])].append(int(i))
        # photo-group ids as strings, exactly as cluster_input() passes them for the new items
        profiles = [PersonProfile.from_members(pid, x[m], items.birth[m], [str(items.groups[j]) for j in m],
                                               params, prepared=True)
                    for pid, m in ((pid, np.array(m)) for pid, m in by_person.items())]
        pos = {int(i): k for k, i in enumerate(open_idx)}
        never = [(pos[i], pid) for i, pid in items.cannot if i in pos]  # "this face is not P" holds here too
        joined = assign_to_persons(items.cluster_input(open_idx, x), profiles, params, never=never)
        new_person[open_idx] = joined
        rest = open_idx[joined < 0]
        new_clusters = []
        if rest.size:
            result = cluster_faces(items.cluster_input(rest, x), params, cancel)
            new_clusters = [rest[c.members] for c in result.clusters]
        return new_person, new_clusters, []

    def _apply(self, s: Session, items: ClusterItems, new_person: np.ndarray, new_clusters: list[np.ndarray],
               reuse: list[int], incremental: bool = False) -> None:
        new_person = new_person.copy()
        # one query for all persons (one lookup per person cost 3 s at 17 000 persons)
        alive_ids = set(s.scalars(select(Person.id))) if reuse else set()
        for pid in reuse:
            if pid not in alive_ids:  # deleted meanwhile: its faces become a new person
                new_clusters.append(np.flatnonzero(new_person == pid))
                new_person[new_person == pid] = -1
        for members in new_clusters:
            person = Person()
            s.add(person)
            s.flush()
            new_person[members] = person.id
        items.write_algorithm(s, new_person)
        # Each person's picture: the best-looking of its most typical faces (the user's own choice still wins);
        # after an incremental run, of the persons whose faces changed (the others' are as they were).
        people = np.where(items.removed, -1, new_person)
        if incremental:
            moved = new_person != items.person
            changed = np.union1d(new_person[moved], items.person[moved])
            people = np.where(np.isin(people, changed), people, -1)
        covers = choose_covers(items.emb, people, items.quality)
        if covers:
            alive = set(s.scalars(select(Person.id).where(Person.id.in_(list(covers)))))
            rows = [{"id": pid, "cover_face_id": int(items.cover_face[i])} for pid, i in covers.items() if pid in alive]
            if rows:
                s.execute(update(Person), rows)  # bulk UPDATE by primary key
