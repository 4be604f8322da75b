# SPDX-License-Identifier: MIT
"""Reading media files: decoding, orientation, dates. No Qt, no database."""
