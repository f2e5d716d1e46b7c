"""The app from a normal (non-editable) `pip install` of its wheel, in a fresh virtual
environment, run from a folder that is not the checkout: its migrations and resources must
come from the wheel.

The wheel is built by pip with build isolation (setuptools and wheel from PyPI or pip's cache).
The fresh environment gets the wheel alone (``--no-deps --no-index``); a ``.pth`` line lends
it this interpreter's installed dependencies, after its own site-packages, so nothing is
downloaded and only ``portal_desktop`` comes from the new environment (the test checks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal_desktop.db.migrate import app_head

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# What the build reads; the shipped folders, and where the wheel puts them.
SOURCES = ("pyproject.toml", "README.md", "portal_desktop", "migrations", "resources")
SHIPPED = {"migrations": "portal_desktop/migrations", "resources": "portal_desktop/resources"}
KPI_RANGE = ("--from", "2024-01-01", "--to", "2030-12-31")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    python: Path
    cli: Path
    cwd: Path  # an empty folder: the checkout is not on sys.path


def _run(argv: list[object], cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | extra
    result = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv, cwd = (base / name for name in ("source", "dist", "venv", "cwd"))
    # A copy: building writes build/ and *.egg-info next to the sources.
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    cwd.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, source], cwd)
    (wheel,) = dist.glob("portal_desktop-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd)
    scheme = {"base": str(venv), "platbase": str(venv)}
    python = Path(sysconfig.get_path("scripts", vars=scheme)) / Path(sys.executable).name
    _run([*pip, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel], cwd)
    lent = dict.fromkeys(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    site = Path(sysconfig.get_path("purelib", vars=scheme))
    (site / "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in lent))
    return Installed(wheel, venv, python, python.with_name("portal-desktop"), cwd)


def test_the_wheel_holds_every_module_migration_and_resource(installed: Installed) -> None:
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "portal_desktop").rglob("*.py")}
    for folder, inside in SHIPPED.items():
        expected |= {
            f"{inside}/{p.relative_to(ROOT / folder).as_posix()}"
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert expected - names == set()


def test_the_installed_app_reads_its_files_from_the_installed_package(
    installed: Installed,
) -> None:
    probe = (
        "import json, portal_desktop\n"
        "from portal_desktop.app import application\n"
        "from portal_desktop.package_data import resource, shipped_folder\n"
        "from portal_desktop.views.theme import style_sheet\n"
        "app = application()\n"
        "print(json.dumps({'package': portal_desktop.__file__,\n"
        "    'migrations': str(shipped_folder('migrations')),\n"
        "    'style_sheet': str(resource('style.qss')),\n"
        "    'template': resource('style.qss').read_text(encoding='utf-8'),\n"
        "    'applied': app.styleSheet() == style_sheet(app.palette())}))\n"
    )
    result = _run([installed.python, "-c", probe], installed.cwd, QT_QPA_PLATFORM="offscreen")
    found = json.loads(result.stdout)
    for key in ("package", "migrations", "style_sheet"):
        assert Path(found[key]).is_relative_to(installed.venv), (key, found[key])
    # The installed style sheet is the checkout's template, filled from the applied palette.
    assert found["template"] == (ROOT / "resources" / "style.qss").read_text(encoding="utf-8")
    assert found["applied"] is True


def test_db_upgrade_seed_and_report_from_the_installed_app(
    installed: Installed, empty_db_url: str
) -> None:
    url = ("--url", empty_db_url)
    upgraded = _run([installed.cli, "db", "upgrade", *url], installed.cwd)
    assert f"→ {app_head()}" in upgraded.stdout
    seeded = _run([installed.cli, "seed", "--demo", "--leads", "150", *url], installed.cwd)
    assert "leads" in seeded.stdout
    report = ["report", "kpis", "--json", *KPI_RANGE, *url]
    kpis = json.loads(_run([installed.cli, *report], installed.cwd).stdout)
    assert kpis["leads"] == 150
    # The same figures as the checkout's own CLI on the same database.
    checkout = _run([sys.executable, "-m", "portal_desktop.cli", *report], ROOT)
    assert json.loads(checkout.stdout) == kpis
