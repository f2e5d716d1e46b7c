"""`portal-desktop --self-test`, the smoke test of a build: run from source in a subprocess
(as the bundle runs it, without the optional modules the bundle leaves out), it checks each
demo role's tabs as the registry lists them."""

from __future__ import annotations

import io
import os
import runpy
import subprocess
import sys
from pathlib import Path

from portal_desktop.models.enums import UserRole
from portal_desktop.self_test import SelfTest
from portal_desktop.views.tab_registry import tabs_for

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = runpy.run_path(str(ROOT / "packaging" / "bundle_contents.py"))["OPTIONAL_MODULES"]

# The bundle has no OPTIONAL_MODULES: importing one fails there as it does here.
WITHOUT_OPTIONAL_MODULES = """
import sys
from importlib.abc import MetaPathFinder

class LeftOut(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == left or name.startswith(left + ".") for left in {optional!r}):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, LeftOut())
sys.argv = ["portal-desktop", "--self-test"]
from portal_desktop.cli import main
sys.exit(main())
"""

DEMO_ROLES = {"admin": UserRole.ADMIN, "sales": UserRole.SALES, "marketing": UserRole.MARKETING}


def test_self_test_passes_without_the_optional_modules_and_opens_each_roles_tabs(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PORTAL_DATA_DIR": str(tmp_path / "mine"), "TMPDIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test needs no display: it picks offscreen
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_OPTIONAL_MODULES.format(optional=OPTIONAL)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("self-test passed:")
    rendered = [line for line in lines if "open and render" in line]
    expected = [
        f"{user}: open and render {entry.key}"
        for user, role in DEMO_ROLES.items()
        for entry in tabs_for(role)
    ]
    assert [line.split(" (")[0].removeprefix("ok   ") for line in rendered] == expected
    assert any(line.startswith("ok   report kpis") for line in lines)
    assert any(line.startswith("ok   keyring lookup") for line in lines)
    # Nothing left behind: not in the user's data folder, not in the temporary folder.
    assert not (tmp_path / "mine").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failing_check_is_named_and_the_next_ones_still_run() -> None:
    out = io.StringIO()
    test = SelfTest(out)

    def broken() -> str:
        raise RuntimeError("the charts tab rendered nothing")

    assert not test.check("admin: open and render charts", broken)
    assert test.check("keyring lookup", lambda: "no keyring")
    assert test.failed == ["admin: open and render charts"]
    assert test.passed == 1
    printed = out.getvalue()
    assert "FAIL admin: open and render charts: RuntimeError: the charts tab rendered nothing" in (
        printed
    )
    assert "ok   keyring lookup" in printed
