# SPDX-License-Identifier: MIT
"""Command-line interface."""
