# SPDX-License-Identifier: MIT
"""The clustering space of the library's faces, kept between runs by one service (no Qt).

Every run compares the faces in one space: both networks' embeddings fused (:func:`organizer.cluster.
identity_space`), then each blended with its nearest faces' (:mod:`organizer.cluster.augment`). For 100 000
faces that is seconds of work, nearly all of it the same as the last run's after a few new photos.
:class:`PreparedSpace` keeps, per item, the fused and the blended embedding and the neighbour graph
(:class:`~organizer.cluster.neighbour_graph.NeighbourGraph`), and on the next run makes again only what changed:
the fusion of new items and of items whose file was analyzed again (``ClusterItems.stamp``), their neighbours,
and the blend of the items whose neighbours changed. Items are the same when their first face id and stamp are.

The state is in memory only (the desktop app's services live as long as the window; a command-line run starts
cold, as it always did). It holds two embeddings per item: 0.4 GB at 100 000 faces (fused 512-D, float32).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

import numpy as np

from organizer.cluster import ClusterParams
from organizer.cluster import identity_space
from organizer.cluster.fusion import fused_dim
from organizer.cluster.neighbour_graph import NeighbourGraph
from organizer.services.cluster_items import ClusterItems

log = logging.getLogger(__name__)


@dataclass
class _State:
    key: tuple
    #: per row of ``fused``: the item's first face id (sorted: see ``order``) and its stamp
    first: np.ndarray
    stamp: np.ndarray
    #: the rows by first face id
    order: np.ndarray
    fused: np.ndarray
    #: rows of ``fused`` that were live (not removed), in the order of ``graph``'s rows
    live_rows: np.ndarray
    graph: NeighbourGraph | None
    #: rows as ``fused``: the blended embeddings (zeros where removed)
    prepared: np.ndarray


def _key(params: ClusterParams, dims: tuple[int, int]) -> tuple:
    """What the kept space depends on besides the faces."""
    mean = None if params.centre_vector is None else params.centre_vector.tobytes()
    return (params.centre, mean, params.second_weight, params.second_child_age, params.fusion_dims,
            params.neighbours, params.neighbour_power, params.seed, dims)


class PreparedSpace:
    """The last run's clustering space; :meth:`prepare` reuses what is still valid."""

    def __init__(self) -> None:
        self._state: _State | None = None
        self._lock = threading.Lock()
        #: What the last :meth:`prepare` made again: items fused, rows blended (for the log and the tests).
        self.last_fused = 0
        self.last_blended = 0

    def clear(self) -> None:
        with self._lock:
            self._state = None

    def prepare(self, items: ClusterItems, params: ClusterParams) -> tuple[np.ndarray, ClusterParams]:
        """Puts ``items`` in identity space (as :meth:`ClusterItems.to_identity_space`) and returns every item's
        prepared embedding (rows by item; a removed item's row is zeros) and the parameters to cluster with.

        The arrays returned (and ``items.emb``) are kept for the next run: read them, never write into them."""
        with self._lock:
            return self._prepare(items, params)

    def _prepare(self, items: ClusterItems, params: ClusterParams) -> tuple[np.ndarray, ClusterParams]:
        key = _key(params, (items.emb.shape[1], items.second.shape[1]))
        old = self._state if self._state is not None and self._state.key == key else None
        first = np.fromiter((f[0] for f in items.face_ids), np.int64, items.n)
        stamp = np.array([str(v) for v in items.stamp])
        old_row = np.full(items.n, -1, np.int64) if old is None else _rows_in(old, first, stamp)
        fresh = np.flatnonzero(old_row < 0)
        out = dataclasses.replace(params, centre=False, centre_vector=None)
        if old is not None and not fresh.size and len(old.fused) == items.n and (old_row == np.arange(items.n)).all() \
                and np.array_equal(old.live_rows, np.flatnonzero(~items.removed)):
            # nothing changed (the next review after an answer): the kept arrays as they are, no copy
            items.faceres, items.emb = items.emb, old.fused
            self.last_fused = self.last_blended = 0
            return old.prepared, out
        dim = fused_dim(items.emb.shape[1], items.second.shape[1], params)
        safe = np.maximum(old_row, 0)
        # a gather of whole rows (a masked assignment, or np.take with out=, is three times slower at this size)
        fused = old.fused[safe] if old is not None else np.empty((items.n, dim), np.float32)
        if fresh.size:
            fused[fresh], out = identity_space(items.emb[fresh], items.second[fresh], items.has_second[fresh],
                                               items.age[fresh], params)
        items.faceres, items.emb = items.emb, fused
        live = np.flatnonzero(~items.removed)
        x = old.prepared[safe] if old is not None else np.empty_like(fused)  # changed rows are made again below
        x[items.removed] = 0.0
        graph = None
        if live.size and params.neighbours > 0 and live.size >= 2:
            fl = fused if live.size == items.n else fused[live]  # no copy when nothing is removed
            codes = _group_codes([items.groups[i] for i in live.tolist()])
            if old is not None and old.graph is not None:
                # a live item's row in the old graph: same item, same stamp, and live then too
                graph_row = np.full(len(old.fused), -1, np.int64)
                graph_row[old.live_rows] = np.arange(old.live_rows.size)
                prev = np.where(old_row[live] >= 0, graph_row[safe[live]], -1)
                graph, changed = old.graph.update(fl, codes, prev)
                again = np.flatnonzero(changed)
                if again.size:
                    x[live[again]] = graph.blend(fl, params.neighbour_power, rows=again)
            else:
                graph = NeighbourGraph.build(fl, codes, params.neighbours, seed=params.seed)
                again = np.arange(live.size)
                x[live] = graph.blend(fl, params.neighbour_power)
            self.last_blended = int(again.size)
        else:
            x[live] = fused[live]
            self.last_blended = int(live.size)
        self.last_fused = int(fresh.size)
        log.debug("Clustering space: %d of %d items fused, %d blended", fresh.size, items.n, self.last_blended)
        for a in (fused, x):
            a.setflags(write=False)  # kept for the next run (see prepare)
        self._state = _State(key, first, stamp, np.argsort(first, kind="stable"), fused, live, graph, x)
        return x, out


def _rows_in(old: _State, first: np.ndarray, stamp: np.ndarray) -> np.ndarray:
    """Per item its row in ``old`` when the same item (first face id) has the same stamp there, else -1."""
    pos = np.searchsorted(old.first[old.order], first)
    pos = np.minimum(pos, max(0, old.order.size - 1))
    row = old.order[pos] if old.order.size else np.zeros(first.size, np.int64)
    same = (old.first[row] == first) & (old.stamp[row] == stamp) if old.order.size else np.zeros(first.size, bool)
    return np.where(same, row, -1)


def _group_codes(groups: list) -> np.ndarray:
    """Photo groups (tuples) as integers, equal where the groups are (a dict: sorting 100 000 strings is slower)."""
    codes: dict = {}
    return np.fromiter((codes.setdefault(g, len(codes)) for g in groups), np.int64, len(groups))
