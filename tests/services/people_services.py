# SPDX-License-Identifier: MIT
"""The three person services of one library side by side, as the tests use them (real services, no fakes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from organizer.cluster import ClusterParams
from organizer.core.progress import CancelToken
from organizer.core.progress import Progress
from organizer.services.clustering import ClusteringService
from organizer.services.person_edits import PersonEdits
from organizer.services.person_queries import PersonQueries


class People:
    """Clustering with fixed parameters, plus every query and edit, under one name."""

    def __init__(self, sessions: Any, params: ClusterParams | None = None) -> None:
        self.params = params or ClusterParams()
        self.clustering = ClusteringService(sessions)
        self.queries = PersonQueries(sessions)
        self.edits = PersonEdits(sessions)

    def recluster(self, cancel: CancelToken | None = None, incremental: bool = False) -> Iterator[Progress]:
        return self.clustering.recluster(self.params, cancel, incremental=incremental)

    def __getattr__(self, name: str) -> Any:
        for service in (self.queries, self.edits):
            if hasattr(service, name):
                return getattr(service, name)
        raise AttributeError(name)
