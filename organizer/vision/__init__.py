# SPDX-License-Identifier: MIT
"""Face detection (MTCNN) and the multi-output network (identity, gender, age) on ONNX Runtime.

No Qt and no database here: arrays in, :mod:`organizer.core.types` out.
"""

import os as _os
import sys as _sys

# ONNX Runtime's Python wheels record telemetry events (device id, OS, interpreter path, model loads) in
# ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ unless this is set before onnxruntime is first imported;
# onnxruntime.disable_telemetry_events() does not stop it (checked with onnxruntime 1.32). Organizer writes
# nothing outside the library, its log and its caches.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
if "onnxruntime" in _sys.modules:  # imported by someone before Organizer's vision: too late to switch it off
    import logging as _logging

    _logging.getLogger(__name__).warning("onnxruntime was imported before organizer.vision: its telemetry "
                                         "file may be written (set ORT_DISABLE_TELEMETRY=1 in the environment)")
