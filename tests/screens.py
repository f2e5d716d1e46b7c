"""Where tests save the pictures of the screens they draw (to look at): a folder under the
system's temporary directory, never docs/screenshots/ (those are made by `make screenshots`,
tools/screenshots.py, and only there)."""

from __future__ import annotations

import tempfile
from pathlib import Path

TEST_SCREENS = Path(tempfile.gettempdir()) / "portal-test-screens"

DOCS_SCREENS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` (by name) with its contents."""
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    """The names written, added or removed between two snapshots."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
