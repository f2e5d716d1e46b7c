"""The CLI's commands are registered by reference (``commands.registrars``), not by module-name
strings, and opening the app imports none of them."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import portal_desktop.commands
from portal_desktop.commands import registrars

CLI_MODULES = ("portal_desktop.commands.db", "portal_desktop.commands.report")


def test_every_command_module_is_registered() -> None:
    package = portal_desktop.commands
    modules = [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    with_register = {m.register for m in modules if callable(getattr(m, "register", None))}
    assert set(registrars()) == with_register
    assert len(registrars()) == len(with_register)


def test_opening_the_app_imports_no_command_module() -> None:
    probe = (
        "import sys\n"
        "from portal_desktop.cli import build_parser, _names_a_command\n"
        "assert not _names_a_command(['--no-demo'])\n"
        "build_parser(with_commands=False)\n"
        f"print(sorted(set({CLI_MODULES!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
