"""One clock: "now" and "today" are read in portal_desktop/clock.py and nowhere else.

The scan walks the syntax tree of every module (not a text search): it finds the calls
``date.today()``, ``datetime.now()``, ``datetime.utcnow()``, ``datetime.today()`` and
``date.fromtimestamp(...)`` / ``datetime.fromtimestamp(...)`` however ``datetime`` was
imported (``import datetime as dt``, ``from datetime import date``, ...).
"""

from __future__ import annotations

import ast
import datetime as dt
import zoneinfo
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

import portal_desktop
from portal_desktop import clock
from portal_desktop.cli import main
from portal_desktop.services.accounts.settings import update_settings
from portal_desktop.services.common.context import SYSTEM

PACKAGE = Path(portal_desktop.__file__).parent
CLOCK = PACKAGE / "clock.py"
READS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}
READS |= {(kind, "fromtimestamp") for kind in ("date", "datetime")}


def _aliases(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """Names bound to the datetime module, and names bound to its date/datetime classes."""
    modules: set[str] = set()
    classes: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "datetime"}
        elif isinstance(node, ast.ImportFrom) and node.module == "datetime":
            for a in node.names:
                if a.name in ("date", "datetime"):
                    classes[a.asname or a.name] = a.name
    return modules, classes


def clock_reads(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every read of the machine's clock in ``source``."""
    tree = ast.parse(source)
    modules, classes = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner, method = node.func.value, node.func.attr
        kind = None
        if isinstance(owner, ast.Name):
            kind = classes.get(owner.id)
        elif (
            isinstance(owner, ast.Attribute)
            and isinstance(owner.value, ast.Name)
            and owner.value.id in modules
        ):
            kind = owner.attr
        if kind is not None and (kind, method) in READS:
            found.append((node.lineno, f"{kind}.{method}()"))
    return found


def test_the_scan_finds_each_way_of_reading_the_clock() -> None:
    source = """
import datetime as dt
import datetime
from datetime import date, datetime as DT
import time
a = dt.date.today()
b = datetime.datetime.now(datetime.UTC)
c = date.today()
d = DT.utcnow()
e = dt.date.fromtimestamp(time.time())
f = dt.datetime(2024, 1, 1).replace(day=2)
"""
    assert [line for line, _ in clock_reads(source)] == [6, 7, 8, 9, 10]


def test_only_the_clock_module_reads_the_clock() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {call}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != CLOCK
        for line, call in clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use portal_desktop.clock.now()/today(tz):\n" + "\n".join(offenders)


def zone_on_another_day() -> zoneinfo.ZoneInfo:
    """UTC+14 or UTC-12: at any moment one of them is not on this machine's date."""
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        zone = zoneinfo.ZoneInfo(name)
        if clock.today(zone) != dt.date.today():
            return zone
    raise AssertionError("both zones are on this machine's date")  # pragma: no cover


def test_export_defaults_to_today_in_the_installation_zone(
    capsys, db_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    zone = zone_on_another_day()
    with sessions() as session:
        update_settings(session, SYSTEM, time_zone=zone.key)
    target = tmp_path / "dunning.xlsx"
    assert main(["export", "dunning", "-o", str(target), "--url", db_url]) == 0
    capsys.readouterr()
    # No --to: the list is as of today where the installation is, not on this machine.
    assert load_workbook(target).sheetnames == [f"Dunning list {clock.today(zone).isoformat()}"]
