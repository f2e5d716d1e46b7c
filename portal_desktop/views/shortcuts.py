"""Every key the app answers, in one registry: the window binds its keys from here, Help →
Keyboard shortcuts shows this list, and README.md's list is written from it.

An entry with a ``name`` is bound by the window (a menu action, a tab's hook, the list's copy)
from :func:`sequences`; one without is Qt's own key (Tab, the arrows, Esc), listed so that
people find it. tests/views/test_keyboard.py checks that every key bound in the window is here
and that README.md shows :func:`markdown`; ``python -m portal_desktop.views.shortcuts README.md``
writes it there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QKeySequence

WINDOW = "Anywhere"
LIST = "In a list"
SEARCH = "In a search box"
DIALOG = "In a dialog"
PLACES = (WINDOW, SEARCH, LIST, DIALOG)
README_START = "<!-- keyboard shortcuts: written by `python -m portal_desktop.views.shortcuts` -->"
README_END = "<!-- end of keyboard shortcuts -->"


@dataclass(frozen=True)
class Shortcut:
    """``keys``: portable key texts ("Ctrl+N"); ``standard``: the platform's own keys for
    it instead (Copy); ``name``: what the window binds them to (none: Qt's own keys)."""

    keys: tuple[str, ...]
    does: str
    where: str = WINDOW
    name: str = ""
    standard: QKeySequence.StandardKey | None = None
    shown: str = ""  # how the keys read when listing each would not help


GO_TO_TAB_KEYS = tuple(f"Ctrl+{n}" for n in range(1, 10))

SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(("Ctrl+N",), "New record on the current tab (lead, call, campaign…)", name="new"),
    Shortcut(("Ctrl+F",), "Go to the current tab's search box", name="search"),
    Shortcut(("Return", "Enter"), "Open the selected record", name="open", shown="Enter"),
    Shortcut(("F5",), "Read every opened tab again", name="refresh"),
    Shortcut(
        ("F9",),
        "Sync now: send this computer's changes, fetch others' (offline copy)",
        name="sync_now",
    ),
    Shortcut(
        ("Ctrl+Z",),
        "Undo the last status change or edit (Edit → Undo)",
        name="undo",
        standard=QKeySequence.StandardKey.Undo,
    ),
    Shortcut(GO_TO_TAB_KEYS, "Go to the 1st … 9th tab", name="go_to_tab", shown="Ctrl+1 … Ctrl+9"),
    Shortcut(("Ctrl+Tab", "Ctrl+Shift+Tab"), "Next / previous tab of the tabs holding the focus"),
    Shortcut(("Tab", "Shift+Tab"), "Next / previous control (a table is left too)"),
    Shortcut(("Alt+F", "Alt+E", "Alt+V", "Alt+H"), "Open the File, Edit, View or Help menu"),
    Shortcut(("Space",), "Press the button or tick the filter chip holding the focus"),
    Shortcut(("F1",), "This list of keys (Help → Keyboard shortcuts)", name="keys_help"),
    Shortcut(("Ctrl+Q",), "Quit", name="quit"),
    Shortcut(("Down",), "Into the results, on the first row", SEARCH),
    Shortcut(("Up", "Down", "PgUp", "PgDown"), "Move between rows", LIST),
    Shortcut(("Ctrl+Home", "Ctrl+End"), "First / last row", LIST),
    Shortcut(("Shift+Down", "Shift+Up", "Ctrl+A"), "Select more rows / every row", LIST),
    Shortcut(
        ("Ctrl+C",),
        "Copy the selected rows (tab-separated, as shown)",
        LIST,
        name="copy",
        standard=QKeySequence.StandardKey.Copy,
    ),
    Shortcut(("Menu",), "Actions on the selected rows", LIST),
    Shortcut(("Esc",), "Close without saving", DIALOG),
)


def entry(name: str) -> Shortcut:
    return next(shortcut for shortcut in SHORTCUTS if shortcut.name == name)


def sequences(name: str) -> list[QKeySequence]:
    """The keys the window binds for ``name``."""
    shortcut = entry(name)
    if shortcut.standard is not None:
        return QKeySequence.keyBindings(shortcut.standard)
    return [QKeySequence(key) for key in shortcut.keys]


def keys_text(shortcut: Shortcut, native: bool = False) -> str:
    """How the keys read: the platform's names (⌘ on a Mac) when ``native``."""
    if shortcut.shown:
        return shortcut.shown
    form = QKeySequence.SequenceFormat.NativeText if native else QKeySequence.PortableText
    keys = [QKeySequence(key).toString(form) or key for key in shortcut.keys]
    if native and shortcut.standard is not None:
        keys = [QKeySequence.keyBindings(shortcut.standard)[0].toString(form)]
    return ", ".join(keys)


def markdown(native: bool = False) -> str:
    """The list as a Markdown table, grouped by where a key works."""
    lines = ["| Keys | Where | What it does |", "| --- | --- | --- |"]
    for shortcut in sorted(SHORTCUTS, key=lambda s: PLACES.index(s.where)):
        lines.append(f"| {keys_text(shortcut, native)} | {shortcut.where} | {shortcut.does} |")
    return "\n".join(lines) + "\n"


def readme_block() -> str:
    return f"{README_START}\n{markdown()}{README_END}"


def write_readme(path: Path) -> None:
    """Replace the list between the markers in ``path`` with :func:`markdown`."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END) + len(README_END)
    path.write_text(text[:start] + readme_block() + text[end:], encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a developer's command
    write_readme(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
