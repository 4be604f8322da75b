# SPDX-License-Identifier: MIT
"""The window on a real X11 display (Xvfb): each test runs an ``on_display_*.py`` module in a child pytest."""

from __future__ import annotations

import re


def test_keyboard_on_a_real_display(run_on_display):
    out = run_on_display("on_display_keys.py")  # fails with the child's output unless every test there passed
    summary = re.findall(r"^=*\s*(\d+ passed.*?)\s*=*$", out, flags=re.MULTILINE)
    assert summary and not re.search(r"failed|error", summary[-1]), out[-3000:]
