# SPDX-License-Identifier: MIT
"""The declarative base and column types shared by the models."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

#: Constraint names that stay stable across migrations.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class FsPath(TypeDecorator[str]):
    """A file system path stored as its exact bytes (``os.fsencode``), read back as ``os.fsdecode`` text.

    File names need not be valid UTF-8 on Linux. Python shows such bytes as lone surrogates
    (surrogateescape), which SQLite's UTF-8 TEXT cannot hold; the raw bytes round-trip exactly.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return os.fsencode(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return os.fsdecode(bytes(value))
