# SPDX-License-Identifier: MIT
"""The whole analysis runs with the network switched off: models ship with the app, nothing is fetched."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from organizer.vision.analyzer import FaceAnalyzer


def test_pipeline_runs_with_sockets_disabled(monkeypatch: pytest.MonkeyPatch, faces_dir: Path) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("Organizer tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = FaceAnalyzer().analyze_file(faces_dir / "_unlabelled" / "immich_portrait.jpg")
    assert result.error is None and len(result.faces) == 1
