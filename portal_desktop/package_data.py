"""The folders the app ships besides its code: ``migrations/`` (Alembic's scripts) and
``resources/`` (the style sheet, the icon, the KPI definitions).

The repository keeps both at its top (the design card's layout). pyproject.toml maps them into
the package, so an installed wheel holds them as ``portal_desktop/migrations`` and
``portal_desktop/resources`` (as does the installer's bundle, build_installer.spec), found
here with :mod:`importlib.resources`. A source checkout (``make`` installs it editable) has
them at the top of the repository, next to the package.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Literal

from portal_desktop.errors import PortalError

ShippedFolder = Literal["migrations", "resources"]


def shipped_folder(name: ShippedFolder) -> Path:
    """The folder on disk (Alembic and Qt read files by path: the app never runs zipped)."""
    installed = files("portal_desktop") / name
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[1] / name
    if checkout.is_dir():
        return checkout
    raise PortalError(
        f"the app's {name} folder is missing (looked in {installed} and {checkout}): "
        "reinstall Portal"
    )


def resource(name: str) -> Path:
    """A file of ``resources/``, e.g. ``resource("style.qss")``."""
    return shipped_folder("resources") / name
