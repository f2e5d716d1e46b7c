"""`make screenshots` writes every screen, light and dark, and only it writes
docs/screenshots/ (the suite checks it never does: tests/conftest.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from tests.screens import DOCS_SCREENS, changed, snapshot

ROOT = Path(__file__).resolve().parents[1]


def mean_lightness(image: QImage) -> float:
    points = [(x, y) for y in range(0, image.height(), 7) for x in range(0, image.width(), 7)]
    return sum(image.pixelColor(x, y).lightness() for x, y in points) / len(points)


def test_the_command_draws_each_screen_light_and_dark(tmp_path: Path) -> None:
    before = snapshot(DOCS_SCREENS)
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "tools/screenshots.py", "--out", str(out), "--leads", "60",
         "--only", "main_window", "welcome"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": str(tmp_path / "config")},
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    assert names == ["main_window.png", "main_window_dark.png", "welcome.png", "welcome_dark.png"]
    light, dark = QImage(str(out / "main_window.png")), QImage(str(out / "main_window_dark.png"))
    assert (light.width(), light.height()) == (1280, 800) == (dark.width(), dark.height())
    assert mean_lightness(light) > 200 and mean_lightness(dark) < 70
    assert changed(before, snapshot(DOCS_SCREENS)) == []  # --out was elsewhere


def test_an_unknown_screen_is_named() -> None:
    result = subprocess.run(
        [sys.executable, "tools/screenshots.py", "--only", "dashbord"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unknown screen dashbord; the screens: main_window," in result.stderr


def test_make_screenshots_is_its_own_command_and_make_test_does_not_run_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^screenshots:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert recipe is not None and "tools/screenshots.py --out docs/screenshots" in recipe.group(1)
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert test_recipe is not None and "screenshots" not in test_recipe.group(1)


def test_no_test_writes_the_committed_screenshots() -> None:
    """What the session guard checks, on a folder of its own: a rewritten, an added and a
    removed picture are all noticed."""
    files = {"a.png": b"1", "b.png": b"2"}
    assert changed(files, dict(files)) == []
    assert changed(files, {"a.png": b"1", "b.png": b"3", "c.png": b"4"}) == ["b.png", "c.png"]
    assert changed(files, {"a.png": b"1"}) == ["b.png"]


def test_the_readme_shows_committed_pictures_of_every_screen_in_both_themes() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from screenshots import SCREENS  # tools/screenshots.py
    finally:
        sys.path.remove(str(ROOT / "tools"))
    committed = {path.name for path in DOCS_SCREENS.glob("*.png")}
    made = {f"{name}{suffix}.png" for name in SCREENS for suffix in ("", "_dark")}
    assert committed == made  # no picture left over from a screen that is gone
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"\(docs/screenshots/(\w+\.png)\)", readme))
    assert shown <= committed
    assert {"main_window.png", "main_window_dark.png"} <= shown
