"""pyproject.toml lists every package the wheel must hold (mapping migrations/ and resources/
into the package needs an explicit list): a new folder of portal_desktop/ left off it would be
missing from an installed app. tests/test_wheel_install.py builds and runs the wheel itself."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["tool"]["setuptools"]


def test_every_folder_of_the_package_is_listed_in_pyproject() -> None:
    config = _setuptools()
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "portal_desktop").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    for name, folder in config["package-dir"].items():
        folders |= {
            ".".join((name, *path.relative_to(ROOT / folder).parts))
            for path in (ROOT / folder).rglob("*")
            if path.is_dir() and "__pycache__" not in path.parts
        } | {name}
    assert sorted(folders - set(config["packages"])) == [], (
        "add these to [tool.setuptools] packages in pyproject.toml"
    )
