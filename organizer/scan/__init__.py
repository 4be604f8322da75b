# SPDX-License-Identifier: MIT
"""From folders to the list of media files and what changed since the last scan (no Qt, no DB)."""
