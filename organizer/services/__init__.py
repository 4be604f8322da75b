# SPDX-License-Identifier: MIT
"""Use cases: own the transactions, move data between scan, media, vision and db, report progress (no Qt)."""
