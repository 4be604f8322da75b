# SPDX-License-Identifier: MIT
"""Helpers for the tests and benchmarks, outside the shipped ``organizer`` package.

* :mod:`devtools.synthetic` - synthetic face embeddings with known identities.
* :mod:`devtools.metrics` - clustering quality measures (BCubed, clusters per class).

Importable from the repository root: pytest puts it on ``sys.path`` (``pythonpath`` in pyproject.toml) and the
bench scripts insert the root themselves.
"""
