# SPDX-License-Identifier: MIT
"""Persons' birth years for the review, and its sanity flags in words.

The review (:mod:`organizer.services.review`) fits every person's birth year over the person's clustering items
with :func:`organizer.cluster.birth_year.fit_birth_years`, as the people grid does over their faces, and lists
the faces the fit left out among the "faces that may not belong": a photo dated before the person's birth year,
and a face whose predicted age contradicts it. Each face's size is read here, the same measure the grid uses
(the side of the detector-weighted box area, ``sqrt(score * w * h)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from organizer.cluster import BirthYearEstimate
from organizer.cluster.birth_year import fit_birth_years
from organizer.db.models import Face
from organizer.services.cluster_items import ClusterItems


def face_sides(s: Session, items: ClusterItems) -> np.ndarray:
    """Per item its first face's size in pixels (``sqrt(score * w * h)``, as the people grid measures it)."""
    first = [ids[0] for ids in items.face_ids]
    size = dict(s.execute(select(Face.id, Face.score * Face.w * Face.h)).all())
    return np.sqrt(np.array([np.nan if size.get(f) is None else float(size[f]) for f in first], np.float64))


@dataclass(frozen=True, slots=True)
class PersonBirths:
    """Every person's fitted birth year, and the items the fit flagged and left out."""

    estimates: dict[int, BirthYearEstimate]
    before_birth: frozenset[int]
    mismatch: frozenset[int]


def fit_persons(items: ClusterItems, members: dict[int, np.ndarray], sides: np.ndarray) -> PersonBirths:
    """The fit of every person at once over its items (``members``: person id -> item indices)."""
    pids = list(members)
    if not pids:
        return PersonBirths({}, frozenset(), frozenset())
    idx = np.concatenate([members[p] for p in pids])
    groups = np.repeat(np.arange(len(pids)), [members[p].size for p in pids])
    fit = fit_birth_years(items.birth[idx], items.age[idx], groups, len(pids), sides[idx])
    return PersonBirths(estimates=dict(zip(pids, fit.estimates(), strict=True)),
                        before_birth=frozenset(idx[fit.before_birth].tolist()),
                        mismatch=frozenset(idx[fit.mismatch].tolist()))


def spread(by: BirthYearEstimate) -> float:
    """Half the width of a birth-year estimate's range, at least 2 years (the "± r" the reasons say)."""
    return max(2.0, (by.high - by.low) / 2 if by.high is not None and by.low is not None else 2.0)


def flag_reasons(births: PersonBirths, items: ClusterItems, i: int, pid: int, name: str) -> list[str]:
    """Why item ``i`` of person ``pid`` contradicts the person's birth year, in words (empty: it does not)."""
    by = births.estimates.get(pid)
    if by is None or by.year is None:
        return []
    born = f"{name}'s birth year {round(by.year)} ± {round(spread(by))}"
    shot = float(items.birth[i] + items.age[i])  # the photo's (fractional) year
    reasons = []
    if i in births.before_birth:
        reasons.append(f"photo dated {int(shot)}, before {born}")
    if i in births.mismatch:
        reasons.append(f"looks {round(float(items.age[i]))} at this photo; {name} would be "
                       f"{max(0, round(shot - by.year))} ({born})")
    return reasons
