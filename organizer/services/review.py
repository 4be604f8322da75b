# SPDX-License-Identifier: MIT
"""Guided corrections: the doubtful cases brought to the user, each with its reasons in words.

* **Suggestions** ("Is this Anna?"): for each unsorted face and each small person (at most
  :data:`SMALL_PERSON` items, unnamed, nothing confirmed), the nearest larger person within a looser cut than
  the clustering's (:data:`REVIEW_MARGIN` times the threshold), that it may join: no face of the same photo in
  that person, never answered "no" for it, and each identity network on its own would choose that person too.
  Ordered by the value of the answer: how many faces it places times how sure the suggestion is.
* **Possible duplicates**: pairs of persons whose faces are, on average, just above the cut, of compatible
  gender and birth year, never in one photo, never marked "different people".
* **Faces that may not belong**: faces of a person far from the person's centre, or whose photo date and age
  contradict the person's birth year; not the faces the user placed or checked.

Everything is computed in the space the clustering uses (fused and neighbour-augmented: a
:class:`~organizer.services.prepared_space.PreparedSpace`, the clustering's own in the app), off the GUI thread,
from one short read transaction. The answers are edits
(:class:`~organizer.services.person_edits.PersonEdits`: ``accept``, ``reject``, ``merge``, ``mark_different``,
``keep_faces``, ``move_faces``), stored as decisions, so re-clustering and new photos keep them.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from scipy import sparse
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from organizer.cluster import ClusterParams
from organizer.cluster import PersonProfile
from organizer.cluster import fuse_gender
from organizer.cluster import person_distances
from organizer.cluster.blas import one_blas_thread
from organizer.cluster.distance import l2_normalise
from organizer.core.progress import CancelToken
from organizer.db.models import DecisionKind
from organizer.db.models import Person
from organizer.db.models import UserDecision
from organizer.services import birth_flags
from organizer.services.birth_flags import spread as _spread
from organizer.services.cluster_items import ClusterItems
from organizer.services.cluster_items import load_items
from organizer.services.prepared_space import PreparedSpace
from organizer.services.review_report import Duplicate
from organizer.services.review_report import Outlier
from organizer.services.review_report import ReviewReport
from organizer.services.review_report import Suggestion
from organizer.services.review_report import report_to_json

__all__ = ["Duplicate", "Outlier", "ReviewReport", "ReviewService", "Suggestion", "report_to_json"]

#: Suggestions and duplicates reach this many times the clustering threshold (the doubtful band above the cut).
REVIEW_MARGIN = 1.25
#: A person of at most this many items (and nothing named or confirmed) is itself a candidate to be placed.
SMALL_PERSON = 2
#: A face whose distance from its person's centre exceeds the person's median by this many MADs is an outlier.
OUTLIER_MADS = 4.0
#: ... and by at least this much (eq. 1 distance), so tight persons do not flag ordinary faces.
OUTLIER_MIN_GAP = 0.25
#: Birth years further apart than this (years) make two persons no duplicates.
DUPLICATE_MAX_YEARS = 8.0
#: How many of each kind a report holds at most.
REPORT_LIMIT = 500


def _mean_rows(groups: list[np.ndarray], weight: np.ndarray, x: np.ndarray, mean: bool = True) -> np.ndarray:
    """Per group of row indices the mean (``mean``) or sum of ``weight[i] * x[i]``, as one sparse product."""
    sizes = np.array([g.size for g in groups], dtype=np.int64)
    cols = np.concatenate(groups) if groups else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(len(groups)), sizes)
    vals = weight[cols] / (np.repeat(np.maximum(sizes, 1), sizes) if mean else 1.0)
    w = sparse.csr_matrix((vals.astype(np.float32), (rows, cols)), shape=(len(groups), x.shape[0]))
    return np.asarray(w @ x, dtype=np.float32)


def _name(names: dict[int, str | None], pid: int) -> str:
    return names.get(pid) or f"Person {pid}"


class ReviewService:
    """Computes the review report of one library (read only; the answers go through PersonEdits)."""

    def __init__(self, sessions: sessionmaker[Session], space: PreparedSpace | None = None) -> None:
        self._sessions = sessions
        #: The clustering space, shared with the library's ClusteringService in the app: an answer changes who
        #: is whose, not the faces, so the next report finds it ready.
        self._space = space or PreparedSpace()

    def report(self, params: ClusterParams, cancel: CancelToken | None = None, current_year: int | None = None,
               margin: float = REVIEW_MARGIN) -> ReviewReport:
        """The report; ``margin``: the review band reaches this many times ``params.threshold``."""
        cancel = cancel or CancelToken()
        with self._sessions() as s:
            items = load_items(s)
            names = {int(i): n for i, n in s.execute(select(Person.id, Person.name)).all()}
            different = {frozenset((int(a), int(b))) for a, b in s.execute(
                select(UserDecision.person_id, UserDecision.other_person_id)
                .where(UserDecision.kind == DecisionKind.DIFFERENT)) if a is not None and b is not None}
            checked = set(s.scalars(select(UserDecision.face_id).where(UserDecision.kind == DecisionKind.CHECKED)))
            sides = birth_flags.face_sides(s, items)
        if not items.n:
            return ReviewReport((), (), ())
        with one_blas_thread():
            x, space = self._space.prepare(items, params)
            cancel.check()
            ctx = _Context(items, x, space, names, current_year, margin, sides)
            suggestions = ctx.suggestions()
            cancel.check()
            duplicates = ctx.duplicates(different)
            cancel.check()
            outliers = ctx.outliers(checked)
        return ReviewReport(tuple(suggestions[:REPORT_LIMIT]), tuple(duplicates[:REPORT_LIMIT]),
                            tuple(outliers[:REPORT_LIMIT]))


class _Context:
    """The library's items in clustering space, grouped by person, and the three computations."""

    def __init__(self, items: ClusterItems, x: np.ndarray, params: ClusterParams, names: dict[int, str | None],
                 current_year: int | None, margin: float, sides: np.ndarray) -> None:
        self.items, self.x, self.params, self.names = items, x, params, names
        self.t = float(params.threshold)
        self.limit = self.t * margin
        self.year = current_year
        members: dict[int, list[int]] = defaultdict(list)
        for i in np.flatnonzero((items.person >= 0) & ~items.removed).tolist():
            members[int(items.person[i])].append(i)
        self.members = {p: np.array(m, dtype=np.int64) for p, m in members.items()}
        confirmed = {int(items.person[i]) for i in np.flatnonzero(items.user & (items.person >= 0))}
        self.small = {p for p, m in self.members.items()
                      if m.size <= SMALL_PERSON and p not in confirmed and not names.get(p)}
        # birth years by the robust fit, which flags (and leaves out) the faces that contradict them
        self.fit = birth_flags.fit_persons(items, self.members, sides)
        self.births = self.fit.estimates
        self.genders = {p: fuse_gender(items.p_male[m]) for p, m in self.members.items()}

    # -- "Is this Anna?"

    def suggestions(self) -> list[Suggestion]:
        items, x = self.items, self.x
        big = sorted(p for p in self.members if p not in self.small)
        if not big:
            return []
        groups = [(None, np.array([i])) for i in np.flatnonzero((items.person < 0) & ~items.removed).tolist()]
        groups += [(p, self.members[p]) for p in sorted(self.small)]
        if not groups:
            return []
        flat = np.concatenate([g for _p, g in groups])
        profiles = [PersonProfile.from_members(p, x[self.members[p]], items.birth[self.members[p]],
                                               [str(items.groups[j]) for j in self.members[p]], self.params,
                                               prepared=True) for p in big]
        inp = items.cluster_input(flat, x)
        d_items = person_distances(inp, profiles, self.params)
        big_pos = {p: k for k, p in enumerate(big)}
        no = defaultdict(set)  # item -> persons it was said not to be
        for item, pid in items.cannot:
            no[item].add(pid)
        # the nearest person of each group in the clustering's space, within the review band
        # every group's mean distances at once (most groups are one face: their rows as they are)
        sizes = np.array([g.size for _p, g in groups])
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        d_groups = d_items if (sizes == 1).all() else \
            np.add.reduceat(d_items, starts, axis=0) / sizes[:, None].astype(np.float32)
        for k, (_from, g) in enumerate(groups):
            for i in g.tolist():
                for pid in no.get(i, ()):
                    if pid in big_pos:
                        d_groups[k, big_pos[pid]] = np.inf
        nearest = np.argmin(d_groups, axis=1)
        best = d_groups[np.arange(len(groups)), nearest]
        candidates = [(groups[k][0], groups[k][1], int(nearest[k]), d_groups[k])
                      for k in np.flatnonzero(np.isfinite(best) & (best <= self.limit)).tolist()]
        if not candidates:
            return []
        # ... and each identity network's own opinion: the person whose faces are most similar on average
        agree = np.ones((len(candidates), 0), dtype=bool)
        blocked = np.stack([~np.isfinite(d) for _f, _g, _j, d in candidates])
        chosen = np.array([j for _f, _g, j, _d in candidates])
        big_members = [self.members[p] for p in big]
        cand_groups = [g for _f, g, _j, _d in candidates]
        for emb, has in ((items.faceres, np.ones(items.n, bool)), (items.second, items.has_second)):
            # means of unit rows as one sparse product each (no copy of the 100 000 embeddings): the weights hold
            # 1 / (group size x row norm), and a row without that network's embedding weighs nothing
            norm = np.sqrt(np.einsum("ij,ij->i", emb, emb))
            inv = np.where(has & (norm > 0), 1.0 / np.maximum(norm, 1e-12), 0.0)
            means = _mean_rows(big_members, inv, emb)
            mine = _mean_rows(cand_groups, inv, emb)
            sim = mine @ means.T
            sim[blocked] = -np.inf
            known = np.array([bool(has[g].all()) for g in cand_groups])
            said = np.where(known, sim.argmax(axis=1) == chosen, True)  # no opinion: no objection
            agree = np.concatenate([agree, np.where(known, said, True)[:, None]], axis=1)
        out: list[Suggestion] = []
        for k, (from_person, g, j, d) in enumerate(candidates):
            if not agree[k].all():  # a network alone would choose someone else: right about 1 time in 100 on
                continue            # the developer set (bench/review_quality.py), not worth the user's time
            n_opinions = 1 + int(items.has_second[g].all())
            sg = self._suggestion(from_person, g, big[j], float(d[j]), n_opinions)
            if sg is not None:
                out.append(sg)
        # the value of an answer: how many faces it places (a clip's track counts as one), how sure it is
        out.sort(key=lambda s: (-np.sqrt(len(s.face_ids)) * s.confidence, s.distance))
        return out

    def _confidence(self, d: float) -> float:
        # 1 at half the cut (as close as a person's own faces typically are), 0 at the edge of the review band
        return float(np.clip((self.limit - d) / (self.limit - 0.5 * self.t), 0.0, 1.0))

    def _suggestion(self, from_person: int | None, g: np.ndarray, pid: int, d: float,
                    n_opinions: int) -> Suggestion | None:
        """The question, or None when no face of the person is within the cut of the group's: nearest on average
        only, such a face was of the person 0 times in 22 on the developer set (bench/review_quality.py)."""
        items, x = self.items, self.x
        m = self.members[pid]
        name = _name(self.names, pid)
        close = (2.0 - 2.0 * (x[g] @ x[m].T)) <= self.t
        n_close = int(close.any(axis=0).sum())
        if not n_close:
            return None
        ev = [f"close to {n_close} of {name}'s {m.size} faces"]
        ev += self._age_evidence(g, pid, name)
        ev += self._gender_evidence(g, pid, name)
        ev.append(f"never in the same photo as {name}")
        ev.append(f"both identity networks point to {name}" if n_opinions == 2 else
                  f"the identity network points to {name}")
        faces = tuple(f for i in g.tolist() for f in items.face_ids[i])
        best = int(g[np.argmax(items.quality[g])])
        # each doubt (an age or a gender that contradicts) halves the confidence
        conf = self._confidence(d) * 0.5 ** sum(e.startswith("but") for e in ev)
        return Suggestion(face_ids=faces, from_person=from_person, person_id=pid, person_name=self.names.get(pid),
                          distance=round(d, 4), threshold=self.t, confidence=round(conf, 3),
                          evidence=tuple(ev), face_id=int(items.cover_face[best]))

    def _age_evidence(self, g: np.ndarray, pid: int, name: str) -> list[str]:
        items = self.items
        by = self.births[pid]
        ages = items.age[g][np.isfinite(items.age[g])]
        births = items.birth[g][np.isfinite(items.birth[g])]
        if by.year is None or not births.size:
            return [f"looks about {round(float(np.median(ages)))}"] if ages.size else []
        rng = _spread(by)
        b = float(np.median(births))
        age = round(float(np.median(ages))) if ages.size else None
        at = f"age {age} at this photo" if age is not None else "the age at this photo"
        if abs(b - by.year) <= rng + 2:
            return [f"{at} fits {name}'s birth year {round(by.year)} ± {round(rng)}"]
        return [f"but {at} means born about {round(b)}, {name} was born {round(by.year)} ± {round(rng)}"]

    def _gender_evidence(self, g: np.ndarray, pid: int, name: str) -> list[str]:
        mine = fuse_gender(self.items.p_male[g])
        theirs = self.genders[pid]
        if mine.is_male is None or theirs.is_male is None:
            return []
        word = "male" if mine.is_male else "female"
        if mine.is_male == theirs.is_male:
            return [f"{word}, as {name}"]
        return [f"but looks {word}, {name} looks {'male' if theirs.is_male else 'female'}"]

    # -- possible duplicates

    def duplicates(self, different: set[frozenset[int]]) -> list[Duplicate]:
        items, x = self.items, self.x
        pids = sorted(p for p in self.members if p not in self.small)  # small persons are suggestions instead
        if len(pids) < 2:
            return []
        sums = _mean_rows([self.members[p] for p in pids], np.ones(items.n), x, mean=False)
        counts = np.array([self.members[p].size for p in pids], dtype=np.float64)
        photos = [{items.groups[i] for i in self.members[p].tolist()} for p in pids]
        found_d, found_a, found_c = [], [], []
        block = 1024
        for a0 in range(0, len(pids), block):
            g = (sums[a0:a0 + block] @ sums.T).astype(np.float64)
            d = 2.0 - 2.0 * g / (counts[a0:a0 + block, None] * counts[None, :])
            rows, cols = np.nonzero((d > self.t) & (d <= self.limit))
            upper = rows + a0 < cols
            found_d.append(d[rows[upper], cols[upper]])
            found_a.append(rows[upper] + a0)
            found_c.append(cols[upper])
        fd, fa, fc = (np.concatenate(v) for v in (found_d, found_a, found_c))
        order = np.argsort(fd, kind="stable")
        out: list[Duplicate] = []
        for d, a, c in zip(fd[order].tolist(), fa[order].tolist(), fc[order].tolist(), strict=True):
            pa, pc = pids[a], pids[c]
            if frozenset((pa, pc)) in different or photos[a] & photos[c]:
                continue
            ga, gc = self.genders[pa], self.genders[pc]
            if ga.is_male is not None and gc.is_male is not None and ga.is_male != gc.is_male:
                continue
            ba, bc = self.births[pa], self.births[pc]
            if ba.year is not None and bc.year is not None and abs(ba.year - bc.year) > DUPLICATE_MAX_YEARS:
                continue
            na, nc = _name(self.names, pa), _name(self.names, pc)
            ev = [f"their faces are {d:.2f} apart on average, just above the cut of {self.t:.3g} that makes one "
                  f"person"]
            if ga.is_male is not None and ga.is_male == gc.is_male:
                ev.append(f"both {'male' if ga.is_male else 'female'}")
            if ba.year is not None and bc.year is not None:
                ev.append(f"born {round(ba.year)} and {round(bc.year)}")
            ev.append(f"{na} and {nc} are never in the same photo")
            out.append(Duplicate(person_ids=(pa, pc), names=(self.names.get(pa), self.names.get(pc)),
                                 distance=round(d, 4), threshold=self.t, confidence=round(self._confidence(d), 3),
                                 evidence=tuple(ev)))
            if len(out) >= REPORT_LIMIT:
                break
        return out

    # -- faces that may not belong

    def outliers(self, checked: set[int]) -> list[Outlier]:
        items = self.items
        out: list[Outlier] = []
        for pid, m in self.members.items():
            if m.size < 3:
                continue
            d, score, why = person_doubts(items, self.x, m, pid, _name(self.names, pid), self.fit)
            for k, i in enumerate(m.tolist()):
                if why[k] and not items.user[i] and not any(f in checked for f in items.face_ids[i]):
                    out.append(Outlier(face_id=int(items.face_ids[i][0]), person_id=pid,
                                       person_name=self.names.get(pid), distance=round(float(d[k]), 4),
                                       score=round(float(score[k]), 2), reasons=tuple(why[k])))
        out.sort(key=lambda o: -o.score)
        return out


def person_doubts(items: ClusterItems, x: np.ndarray, m: np.ndarray, pid: int, name: str,
                  births: birth_flags.PersonBirths) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Per item of person ``pid`` (``m``: its items, at least 3; ``x``: clustering space): its distance from the
    person's centre, how unusual that is (MADs above the median) and why it may not belong, in words (empty: it
    does). The review's outliers and the person page's check (:mod:`organizer.services.person_check`) use it."""
    centre = l2_normalise(x[m].sum(axis=0, keepdims=True))[0]
    d = 2.0 - 2.0 * (x[m] @ centre).astype(np.float64)
    med = float(np.median(d))
    score = (d - med) / (float(np.median(np.abs(d - med))) or 1e-6)
    why = []
    for k, i in enumerate(m.tolist()):
        reasons = []
        if score[k] > OUTLIER_MADS and d[k] - med > OUTLIER_MIN_GAP:
            reasons.append(f"far from {name}'s other faces ({d[k]:.2f}; {name}'s faces are typically "
                           f"{med:.2f} from their centre)")
        why.append(reasons + birth_flags.flag_reasons(births, items, i, pid, name))
    return d, score, why
