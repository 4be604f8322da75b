# SPDX-License-Identifier: MIT
"""Storage: one SQLite file through the SQLAlchemy 2.0 typed ORM (no Qt, never imported by vision)."""
