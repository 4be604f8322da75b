# SPDX-License-Identifier: MIT
"""Progress events and cancellation for long jobs, without Qt (the UI adapts them to signals)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

from organizer.core.vocabulary import Phase

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Progress:
    """One step of a long job.

    Attributes:
        phase: what the job is doing, a :class:`~organizer.core.vocabulary.Phase` ("scan", "analyze",
            "cluster", "done"); a plain string is accepted and compares equal to the member of the same value.
        done: items finished in this phase.
        total: items in this phase (0 when not known yet).
        path: the item just finished, if any.
        faces: faces found so far.
        errors: unreadable items so far.
    """

    phase: Phase | str
    done: int
    total: int
    path: str | None = None
    faces: int = 0
    errors: int = 0


class Cancelled(Exception):
    """Raised by :meth:`CancelToken.check` inside a long computation that was cancelled."""


class CancelToken:
    """Set by the UI or a signal handler; checked by the job between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` when cancelled (for computations that cannot yield between phases)."""
        if self._event.is_set():
            raise Cancelled


def drive(job: Generator[Progress, None, R], on_progress: Callable[[Progress], None] | None = None) -> R:
    """Run a job to its end, handing each progress event to ``on_progress``; returns what the job returns."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(p)
