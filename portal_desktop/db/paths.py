"""Where the app keeps its files on this machine (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "portal-desktop"
APP_AUTHOR = "InfoProductPortal"


def data_dir() -> Path:
    """The user's data directory; ``PORTAL_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("PORTAL_DATA_DIR")
    path = Path(override) if override else user_data_path(APP_NAME, APP_AUTHOR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_database_path() -> Path:
    return data_dir() / "portal.sqlite3"


def local_database_url() -> str:
    return f"sqlite:///{local_database_path()}"
