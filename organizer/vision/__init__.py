# SPDX-License-Identifier: MIT
"""Face detection (MTCNN) and the multi-output network (identity, gender, age) on ONNX Runtime.

No Qt and no database here: arrays in, :mod:`organizer.core.types` out.
"""
