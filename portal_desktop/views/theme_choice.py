"""Which theme is shown: View → Theme (System / Light / Dark), remembered per user.

*System* follows the desktop's colour scheme (Qt's ``styleHints().colorScheme()``; where the
platform does not say, the palette it gave the application) and changes with it while the app
runs. Light and Dark are the palettes of :mod:`views.theme`; either way the style sheet is
rebuilt from the palette, so every open screen changes at once.

The choice is saved per user (``theme/<username>``) and as the last one made, which is what
the sign-in dialog shows before anybody has signed in.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from portal_desktop.views.badges import is_dark
from portal_desktop.views.theme import Scheme, palette_for, style_sheet
from portal_desktop.views.ui_state import settings

LABELS = {Scheme.SYSTEM: "&System", Scheme.LIGHT: "&Light", Scheme.DARK: "&Dark"}
LAST = "theme/last"


class _State:
    """What the platform gave (its palette, before ours replaced it) and what is applied."""

    system_palette: QPalette | None = None
    choice: Scheme = Scheme.SYSTEM
    following: bool = False


def _key(username: str) -> str:
    return f"theme/users/{username.replace('/', '_')}"


def saved_choice(username: str | None) -> Scheme:
    """The user's choice (the last one made when ``username`` is None); System by default."""
    value = settings().value(_key(username) if username else LAST)
    try:
        return Scheme(str(value))
    except ValueError:
        return Scheme.SYSTEM


def save_choice(username: str, choice: Scheme) -> None:
    store = settings()
    store.setValue(_key(username), choice.value)
    store.setValue(LAST, choice.value)
    store.sync()


def system_is_dark(scheme: Qt.ColorScheme | None = None) -> bool:
    """Whether the desktop asks for dark: its colour scheme, else its palette."""
    scheme = scheme if scheme is not None else QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return _State.system_palette is not None and is_dark(_State.system_palette)


def resolved_dark(choice: Scheme, scheme: Qt.ColorScheme | None = None) -> bool:
    return choice == Scheme.DARK or (choice == Scheme.SYSTEM and system_is_dark(scheme))


def apply(choice: Scheme, scheme: Qt.ColorScheme | None = None) -> None:
    """Show the theme now: the application's palette and its style sheet."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _State.system_palette is None:
        _State.system_palette = QPalette(app.palette())
    _State.choice = choice
    palette = palette_for(resolved_dark(choice, scheme))
    sheet = style_sheet(palette)
    # The same theme again (each window applies its user's): nothing to do. Setting even an
    # equal style sheet re-polishes every widget of the application, a stall at sign-in.
    if app.styleSheet() != sheet or app.palette() != palette:
        app.setPalette(palette)
        app.setStyleSheet(sheet)
    if not _State.following:
        app.styleHints().colorSchemeChanged.connect(_system_changed)
        _State.following = True


def _system_changed(scheme: Qt.ColorScheme) -> None:
    if _State.choice == Scheme.SYSTEM:
        apply(Scheme.SYSTEM, scheme)


def current() -> Scheme:
    return _State.choice


def apply_for(username: str | None) -> Scheme:
    """Show the user's theme (the last one chosen before sign-in); which one it was."""
    choice = saved_choice(username)
    apply(choice)
    return choice


def choose(username: str, choice: Scheme) -> None:
    """The user picked a theme: show it and remember it."""
    save_choice(username, choice)
    apply(choice)


def theme_menu(menu: QMenu, username: str, parent: QObject) -> dict[Scheme, QAction]:
    """View → Theme's three exclusive choices, the user's checked; picking one applies it."""
    group = QActionGroup(parent)
    group.setExclusive(True)
    chosen = saved_choice(username)
    actions: dict[Scheme, QAction] = {}
    for scheme, text in LABELS.items():
        action = QAction(text, parent)
        action.setCheckable(True)
        action.setChecked(scheme == chosen)
        action.setObjectName(f"theme_{scheme.value}")
        action.triggered.connect(lambda _=False, s=scheme: choose(username, s))
        group.addAction(action)
        menu.addAction(action)
        actions[scheme] = action
    return actions
