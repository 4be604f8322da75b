# SPDX-License-Identifier: MIT
"""Plain data shared by every layer: no Qt, no database, no third-party imports beyond numpy."""
