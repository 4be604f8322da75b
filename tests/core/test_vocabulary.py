# SPDX-License-Identifier: MIT
"""The shared vocabulary: one spelling for every layer."""

from __future__ import annotations

import pytest

from organizer.core.progress import Progress
from organizer.core.vocabulary import KnownMedia
from organizer.core.vocabulary import MediaKind
from organizer.core.vocabulary import MediaStatus
from organizer.core.vocabulary import Phase
from organizer.core.vocabulary import is_under


def test_values_are_the_stored_and_reported_strings():
    assert [m.value for m in MediaKind] == ["photo", "video"]
    assert [m.value for m in MediaStatus] == ["ok", "error", "missing"]
    assert {m.value for m in Phase} == {"scan", "analyze", "cluster", "done"}
    assert Progress(Phase.ANALYZE, 1, 2).phase == "analyze"  # a StrEnum compares equal to its string


def test_db_and_scan_re_export_the_same_objects():
    from organizer.db import models
    from organizer.scan import planner

    assert models.MediaKind is MediaKind and models.MediaStatus is MediaStatus
    assert planner.KnownMedia is KnownMedia and planner.is_under is is_under


@pytest.mark.parametrize(("path", "root", "inside"), [
    ("/a/b", "/a/b", True), ("/a/b/c.jpg", "/a/b", True), ("/a/b/c.jpg", "/a/b/", True),
    ("/a/bc.jpg", "/a/b", False), ("/a", "/a/b", False),
])
def test_is_under(path, root, inside):
    assert is_under(path, root) is inside

