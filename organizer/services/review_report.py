# SPDX-License-Identifier: MIT
"""What the review reports (:mod:`organizer.services.review`): its questions, possible duplicates and outliers,
and their JSON form (``organizer suggest --json``, a contract: see the README)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Faces that may be ``person_id``: one unsorted face (or video track), or all faces of a small person."""

    face_ids: tuple[int, ...]
    #: The small person these faces form now (accepting merges it), None for unsorted faces.
    from_person: int | None
    person_id: int
    person_name: str | None
    #: Average eq. 1 distance of these faces to the person's faces (the clustering's cut is ``threshold``).
    distance: float
    threshold: float
    #: 0 (at the edge of the review band) .. 1 (as close as faces of one person are).
    confidence: float
    evidence: tuple[str, ...]
    #: The best-looking of these faces, to show.
    face_id: int


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Two persons that are probably one."""

    person_ids: tuple[int, int]
    names: tuple[str | None, str | None]
    distance: float
    threshold: float
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outlier:
    """A face of a person that may not belong to it."""

    face_id: int
    person_id: int
    person_name: str | None
    #: Its distance from the person's centre, and how unusual that is for the person (0 = typical).
    distance: float
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReviewReport:
    suggestions: tuple[Suggestion, ...]
    duplicates: tuple[Duplicate, ...]
    outliers: tuple[Outlier, ...]

    @property
    def count(self) -> int:
        """What the "Review" entry says: how many questions there are."""
        return len(self.suggestions) + len(self.duplicates)


def report_to_json(r: ReviewReport) -> dict:
    """The JSON form of a report (``organizer suggest --json``: a contract, see the README)."""
    return {
        "suggestions": [dataclasses.asdict(s) | {"face_ids": list(s.face_ids), "evidence": list(s.evidence)}
                        for s in r.suggestions],
        "duplicates": [{"persons": list(d.person_ids), "names": list(d.names), "distance": d.distance,
                        "threshold": d.threshold, "confidence": d.confidence, "evidence": list(d.evidence)}
                       for d in r.duplicates],
        "outliers": [dataclasses.asdict(o) | {"reasons": list(o.reasons)} for o in r.outliers],
    }
