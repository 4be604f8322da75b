# SPDX-License-Identifier: MIT
"""The review's questions as the page asks them: the report's order, answered ones gone at once, skipped ones last.

A report is computed in the background after every edit; until the next one arrives the queue drops what was
answered (and what a merge made stale), so that the next question shows at once. A fresh report replaces the
queue but keeps the question on screen first (no jump while the user reads it) and the skipped ones last.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from typing import Generic
from typing import TypeVar

from organizer.services.review import Duplicate
from organizer.services.review import Outlier
from organizer.services.review import ReviewReport
from organizer.services.review import Suggestion

T = TypeVar("T")


def suggestion_key(s: Suggestion) -> Hashable:
    return s.face_ids, s.person_id


def duplicate_key(d: Duplicate) -> Hashable:
    return frozenset(d.person_ids)


def outlier_key(o: Outlier) -> Hashable:
    return o.face_id, o.person_id


class _Section(Generic[T]):
    """One kind of question: the items left, the first one current; skipped ones (this session) come last."""

    def __init__(self, key: Callable[[T], Hashable]) -> None:
        self.key = key
        self.items: list[T] = []
        self.skipped: set[Hashable] = set()

    def replace(self, items: Iterable[T]) -> None:
        items = list(items)
        current = self.key(self.items[0]) if self.items else None
        first = [i for i in items if self.key(i) == current]
        rest = [i for i in items if self.key(i) != current]
        self.items = first + [i for i in rest if self.key(i) not in self.skipped] \
            + [i for i in rest if self.key(i) in self.skipped]

    def skip(self) -> None:
        if self.items:
            item = self.items.pop(0)
            self.skipped.add(self.key(item))
            self.items.append(item)

    def keep_only(self, wanted: Callable[[T], bool]) -> None:
        self.items = [i for i in self.items if wanted(i)]


class ReviewQueue:
    """The questions left: suggestions ("Is this Anna?"), possible duplicates and faces that may not belong."""

    def __init__(self) -> None:
        self._s: _Section[Suggestion] = _Section(suggestion_key)
        self._d: _Section[Duplicate] = _Section(duplicate_key)
        self._o: _Section[Outlier] = _Section(outlier_key)

    @property
    def suggestions(self) -> list[Suggestion]:
        return self._s.items

    @property
    def duplicates(self) -> list[Duplicate]:
        return self._d.items

    @property
    def outliers(self) -> list[Outlier]:
        return self._o.items

    @property
    def count(self) -> int:
        """What the "Review" entry counts (as :attr:`ReviewReport.count`: suggestions and duplicates)."""
        return len(self._s.items) + len(self._d.items)

    def set_report(self, report: ReviewReport) -> None:
        self._s.replace(report.suggestions)
        self._d.replace(report.duplicates)
        self._o.replace(report.outliers)

    # -- "Is this Anna?"

    @property
    def suggestion(self) -> Suggestion | None:
        return self._s.items[0] if self._s.items else None

    def same_person(self, s: Suggestion) -> list[Suggestion]:
        """The questions for ``s``'s person, ``s`` first, not the skipped ones (what "Yes to all" accepts)."""
        return [s] + [o for o in self._s.items if o.person_id == s.person_id and o is not s
                      and suggestion_key(o) not in self._s.skipped]

    def skip_suggestion(self) -> None:
        self._s.skip()

    def answered(self, done: Iterable[Suggestion], gone_persons: Iterable[int] = ()) -> None:
        """``done`` were answered; ``gone_persons`` no longer exist (merged away): their questions go too."""
        keys = {suggestion_key(s) for s in done}
        faces = {f for s in done for f in s.face_ids}
        self._s.keep_only(lambda s: suggestion_key(s) not in keys and not faces.intersection(s.face_ids))
        self._drop_persons(set(gone_persons))

    # -- possible duplicates

    @property
    def duplicate(self) -> Duplicate | None:
        return self._d.items[0] if self._d.items else None

    def skip_duplicate(self) -> None:
        self._d.skip()

    def answered_duplicate(self, d: Duplicate, gone_persons: Iterable[int] = ()) -> None:
        self._d.keep_only(lambda o: duplicate_key(o) != duplicate_key(d))
        self._drop_persons(set(gone_persons))

    # -- faces that may not belong

    @property
    def outlier(self) -> Outlier | None:
        return self._o.items[0] if self._o.items else None

    def skip_outlier(self) -> None:
        self._o.skip()

    def answered_outlier(self, o: Outlier) -> None:
        self._o.keep_only(lambda x: x.face_id != o.face_id)

    def _drop_persons(self, gone: set[int]) -> None:
        if gone:
            self._s.keep_only(lambda s: s.person_id not in gone and s.from_person not in gone)
            self._d.keep_only(lambda d: not gone.intersection(d.person_ids))
            self._o.keep_only(lambda o: o.person_id not in gone)
