"""The dark theme: every screen dark when chosen, View → Theme remembered per user, System
following the desktop, and no colour written anywhere in views/ but views/theme.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import Engine

import portal_desktop
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.context import Actor
from portal_desktop.services.seeding import seed_database
from portal_desktop.views import theme_choice
from portal_desktop.views.badges import is_dark
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.theme import (
    ERROR,
    FLAG,
    NOTICE,
    SUCCESS,
    Legend,
    Scheme,
    chart_colours,
    contrast,
    palette_for,
    set_tone,
    style_sheet,
    tone,
)
from tests.screens import TEST_SCREENS
from tests.shell_helpers import temp_settings  # noqa: F401
from tests.views.windows import shown_window

VIEWS = Path(portal_desktop.__file__).parent / "views"
STYLE = Path(portal_desktop.__file__).parents[1] / "resources" / "style.qss"
# A colour written out: #rgb/#rrggbb, rgb()/rgba()/hsl(), QColor("…")/QColor(1, 2, 3), Qt's
# named colours (transparent is no colour), or a colour name in a style sheet.
LITERAL = re.compile(
    r"#[0-9a-fA-F]{3}\b|#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{8}\b|\b(?:rgba?|hsla?)\(|"
    r"QColor\(\s*[\"'\d]|Qt\.GlobalColor\.(?!transparent)|:\s*(?:white|black|red|green|blue|gray|grey)\b"
)


@pytest.fixture
def themed(qtbot, request: pytest.FixtureRequest) -> Iterator[QApplication]:
    """The application as a test found it, put back afterwards (palette and style sheet)."""
    request.getfixturevalue("temp_settings")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    palette, sheet = QPalette(app.palette()), app.styleSheet()
    yield app
    app.setStyleSheet(sheet)
    app.setPalette(palette)


def window_for(qtbot, engine: Engine, name: str, role: UserRole = UserRole.ADMIN) -> MainWindow:
    actor = Actor(user_id=None, username=name, role=role)
    return shown_window(qtbot, engine, actor)


def bright_share(image: QImage) -> float:
    """The share of pixels lighter than 200 (text on a dark screen; backgrounds on a light)."""
    points = [(x, y) for y in range(0, image.height(), 5) for x in range(0, image.width(), 5)]
    bright = sum(1 for x, y in points if image.pixelColor(x, y).lightness() > 200)
    return bright / len(points)


def test_no_colour_is_written_in_views_outside_the_theme() -> None:
    found = []
    for path in sorted(VIEWS.rglob("*.py")):
        if path.name == "theme.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LITERAL.search(line):
                found.append(f"{path.relative_to(VIEWS)}:{number}: {line.strip()}")
    sheet = STYLE.read_text(encoding="utf-8")
    found += [f"style.qss:{n}: {line}" for n, line in enumerate(sheet.splitlines(), 1)
              if LITERAL.search(line)]  # fmt: skip
    assert found == []


def test_the_style_sheet_is_filled_from_the_palette_roles() -> None:
    for dark in (False, True):
        palette = palette_for(dark)
        sheet = style_sheet(palette)
        assert "$" not in sheet
        base = palette.color(QPalette.ColorRole.Base).name()
        assert f"QTableView {{\n    background: {base};" in sheet
        assert palette.color(QPalette.ColorRole.Highlight).name() in sheet


@pytest.mark.parametrize("dark", [False, True])
def test_what_a_label_says_reads_on_both_themes(dark: bool) -> None:
    """Errors, notices and successes keep a readable contrast (WCAG AA: 4.5) on the theme's
    backgrounds, and on their own fills."""
    palette = palette_for(dark)
    for name in (ERROR, NOTICE, SUCCESS):
        shade = tone(name, palette)
        for background in (QPalette.ColorRole.Base, QPalette.ColorRole.Window):
            assert contrast(shade.ink, palette.color(background)) >= 4.5, (name, background)
        assert contrast(shade.ink, shade.fill) >= 4.5, name
    colours = chart_colours(palette)
    assert colours.background == palette.color(QPalette.ColorRole.Base)
    assert contrast(colours.good, colours.background) >= 4.5
    assert contrast(colours.bad, colours.background) >= 4.5


def test_a_tone_follows_a_theme_change(qtbot, themed: QApplication) -> None:
    label = QLabel("Could not save")
    qtbot.addWidget(label)
    set_tone(label, ERROR)
    label.show()
    for scheme in (Scheme.LIGHT, Scheme.DARK):
        theme_choice.apply(scheme)
        QApplication.processEvents()
        ink = label.palette().color(QPalette.ColorRole.WindowText)
        assert ink.name() == tone(ERROR, palette_for(scheme == Scheme.DARK)).ink.name()


def test_every_tab_is_dark_in_the_dark_theme(qtbot, engine: Engine, backend, themed) -> None:
    if backend != "sqlite":
        pytest.skip("the theme does not depend on the database")
    seed_database(engine, leads=60, seed=3)
    window = window_for(qtbot, engine, "admin")
    TEST_SCREENS.mkdir(parents=True, exist_ok=True)
    for scheme in (Scheme.LIGHT, Scheme.DARK):
        theme_choice.apply(scheme)
        for key in window.tab_keys:
            window.tab(key)
            window.tabs.setCurrentWidget(window.lazy_tabs[key])
            qtbot.wait(30)
            image = window.grab().toImage()
            image.save(str(TEST_SCREENS / f"theme_{key}_{scheme.value}.png"))
            share = bright_share(image)
            if scheme == Scheme.DARK:
                assert share < 0.06, f"{key}: {share:.0%} of it is light in the dark theme"
            else:
                assert share > 0.6, f"{key}: only {share:.0%} of it is light in the light theme"


def test_view_theme_is_remembered_per_user(qtbot, engine: Engine, backend, themed) -> None:
    if backend != "sqlite":
        pytest.skip("the theme does not depend on the database")
    admin = window_for(qtbot, engine, "admin")
    actions = admin.theme_actions
    assert [a.text() for a in admin.theme_menu.actions()] == ["&System", "&Light", "&Dark"]
    assert actions[Scheme.SYSTEM].isChecked()  # nobody chose yet
    actions[Scheme.DARK].trigger()
    assert is_dark(QApplication.palette())
    assert actions[Scheme.DARK].isChecked() and not actions[Scheme.SYSTEM].isChecked()
    admin.close()

    sales = window_for(qtbot, engine, "sales", UserRole.SALES)  # chose nothing: System
    assert sales.theme_actions[Scheme.SYSTEM].isChecked()
    assert not is_dark(QApplication.palette())  # the offscreen "desktop" is light
    sales.close()

    again = window_for(qtbot, engine, "admin")
    assert again.theme_actions[Scheme.DARK].isChecked()
    assert is_dark(QApplication.palette())
    assert theme_choice.saved_choice(None) == Scheme.DARK  # what the sign-in dialog shows


def test_system_follows_the_desktop_while_the_app_runs(qtbot, themed: QApplication) -> None:
    hints = themed.styleHints()
    theme_choice.apply(Scheme.SYSTEM)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark(QApplication.palette())
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark(QApplication.palette())
    theme_choice.apply(Scheme.LIGHT)  # a choice of the user's wins over the desktop
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not is_dark(QApplication.palette())


def test_a_legend_takes_the_new_theme_colour(qtbot, themed: QApplication) -> None:
    theme_choice.apply(Scheme.LIGHT)
    legend = Legend(FLAG, "past call without an outcome")
    qtbot.addWidget(legend)
    assert tone(FLAG, palette_for(dark=False)).fill.name() in legend.text()
    theme_choice.apply(Scheme.DARK)
    assert tone(FLAG, palette_for(dark=True)).fill.name() in legend.text()
    assert legend.text().endswith("&nbsp;past call without an outcome")
