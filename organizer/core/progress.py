# SPDX-License-Identifier: MIT
"""Progress events and cancellation for long jobs, without Qt (the UI adapts them to signals)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """One step of a long job.

    Attributes:
        phase: what the job is doing ("scan", "analyse", "done").
        done: items finished in this phase.
        total: items in this phase (0 when not known yet).
        path: the item just finished, if any.
        faces: faces found so far.
        errors: unreadable items so far.
    """

    phase: str
    done: int
    total: int
    path: str | None = None
    faces: int = 0
    errors: int = 0


class CancelToken:
    """Set by the UI or a signal handler; checked by the job between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
