# SPDX-License-Identifier: MIT
"""Organizer: an offline desktop photo organizer that finds, groups and describes the people in an album."""

__version__ = "0.1.0"

#: The single application id: desktop entry name, icon name and ``QGuiApplication.setDesktopFileName``.
APP_ID = "io.github.organizer.Organizer"
APP_NAME = "Organizer"
