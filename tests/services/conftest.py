# SPDX-License-Identifier: MIT
"""Fixtures of the indexing tests (the fake engine lives in index_fakes.py)."""

from __future__ import annotations

import pytest
from index_fakes import FakeEngine


@pytest.fixture
def fake_engine():
    return FakeEngine()
