"""The app's colours, light and dark, in ONE place: the palettes, the tones that mean
something (an error, a notice, a success, a flag), the charts' colours, and the style sheet.

Every colour the screens draw comes from here. The style sheet (``resources/style.qss``) is a
template whose ``${name}`` fields are filled from the palette's roles and the tones
(:func:`style_sheet`), so one sheet serves both themes and a theme change re-styles every
widget at once. A widget that says something (an error under a form, a saved notice) does not
set its own colours: it is given a tone (:func:`set_tone`) that the sheet colours.

Which theme is shown, and following the system's scheme, is :mod:`views.theme_choice`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from string import Template

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from portal_desktop.package_data import resource
from portal_desktop.views.badges import AMBER, GREEN, RED, is_dark


class Scheme(StrEnum):
    """What View → Theme offers."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# The palettes: (window, base, alternate base, text, button, mid-light, mid, dark, highlight,
# highlighted text, placeholder/quiet text, disabled text, link).
_LIGHT = {
    Role.Window: "#f6f7f9",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f3f5f9",
    Role.WindowText: "#111827",
    Role.Text: "#111827",
    Role.ButtonText: "#111827",
    Role.Button: "#eef0f4",
    Role.Light: "#ffffff",
    Role.Midlight: "#dde1e7",
    Role.Mid: "#c4cad3",
    Role.Dark: "#9ca3af",
    Role.Shadow: "#4b5563",
    Role.Highlight: "#3056d3",
    Role.HighlightedText: "#ffffff",
    Role.PlaceholderText: "#6b7280",
    Role.Link: "#3056d3",
    Role.LinkVisited: "#6d3fc0",
    Role.ToolTipBase: "#ffffff",
    Role.ToolTipText: "#111827",
    Role.BrightText: "#ffffff",
}
_DARK = {
    Role.Window: "#1c1f25",
    Role.Base: "#15171c",
    Role.AlternateBase: "#1d2027",
    Role.WindowText: "#e5e7eb",
    Role.Text: "#e5e7eb",
    Role.ButtonText: "#e5e7eb",
    Role.Button: "#2a2e37",
    Role.Light: "#3b404b",
    Role.Midlight: "#323741",
    Role.Mid: "#454b57",
    Role.Dark: "#101216",
    Role.Shadow: "#000000",
    Role.Highlight: "#4f7be8",
    Role.HighlightedText: "#ffffff",
    Role.PlaceholderText: "#9aa2af",
    Role.Link: "#8eadff",
    Role.LinkVisited: "#c3a6ff",
    Role.ToolTipBase: "#2a2e37",
    Role.ToolTipText: "#e5e7eb",
    Role.BrightText: "#ffffff",
}
_DISABLED = {False: "#9ca3af", True: "#6b7280"}  # disabled text, light and dark

# The charts' series: Okabe-Ito (colour-blind safe, readable on light and dark backgrounds).
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#BBBB00")

# Tones: what a colour means, as a hue (badges.py's hues); ink, fill and edge follow the theme.
ERROR, NOTICE, SUCCESS, FLAG = "error", "notice", "success", "flag"
INK_CONTRAST = 5.0  # WCAG AA asks 4.5 for text; a little more, for the window's grey
MUTED = "muted"  # quiet text: the palette's placeholder colour
TONE_HUES = {ERROR: RED, NOTICE: AMBER, SUCCESS: GREEN, FLAG: AMBER}


def palette_for(dark: bool) -> QPalette:
    """The light or the dark palette (every role, every group)."""
    palette = QPalette()
    for role, name in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(name))
    quiet = QColor(_DISABLED[dark])
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(Group.Disabled, role, quiet)
    return palette


def current_palette() -> QPalette:
    return QGuiApplication.palette()


@dataclass(frozen=True)
class Tone:
    """A meaning's colours on one theme: text (ink), a background (fill) and its border."""

    ink: QColor
    fill: QColor
    edge: QColor


def tone(name: str, palette: QPalette | None = None) -> Tone:
    """The colours of a tone (:data:`ERROR`, :data:`NOTICE`, …) on the palette's theme."""
    return _tone(name, is_dark(palette or current_palette()))


@cache
def _tone(name: str, dark: bool) -> Tone:
    hue = TONE_HUES[name]
    strong = name == FLAG  # a flagged cell must stand out among plain ones
    if dark:
        fill = QColor.fromHsl(hue, 120 if strong else 90, 58 if strong else 46)
        edge = QColor.fromHsl(hue, 110, 95)
    else:
        fill = QColor.fromHsl(hue, 255 if strong else 200, 216 if strong else 236)
        edge = QColor.fromHsl(hue, 170, 190)
    palette = palette_for(dark)
    grounds = (palette.color(Role.Window), palette.color(Role.Base), fill)
    return Tone(_readable(hue, grounds, dark), fill, edge)


def _readable(hue: int, grounds: tuple[QColor, ...], dark: bool) -> QColor:
    """The ink of a hue nearest the middle grey that still reads on every one of ``grounds``
    (WCAG contrast ``INK_CONTRAST``): as light as it may be on a light theme, as dark on a
    dark one."""
    steps = range(128, 256) if dark else range(128, 0, -1)
    for lightness in steps:
        ink = QColor.fromHsl(hue, 200, lightness)
        if min(contrast(ink, ground) for ground in grounds) >= INK_CONTRAST:
            return ink
    return palette_for(dark).color(Role.Text)


def contrast(first: QColor, second: QColor) -> float:
    """WCAG's contrast ratio of two colours (1 to 21)."""

    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

        red, green, blue = (channel(c) for c in colour.getRgbF()[:3])
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(first: QColor, second: QColor, share: float) -> QColor:
    """``first`` blended with ``share`` of ``second``."""

    def blend(a: int, b: int) -> int:
        return round(a + (b - a) * share)

    return QColor(
        blend(first.red(), second.red()),
        blend(first.green(), second.green()),
        blend(first.blue(), second.blue()),
    )


@dataclass(frozen=True)
class ChartColours:
    """What a chart draws with: series, good/bad news, background, text, and the text on a
    strongly filled cell."""

    series: tuple[QColor, ...]
    good: QColor
    bad: QColor
    background: QColor
    foreground: QColor
    on_fill: QColor


def chart_colours(palette: QPalette | None = None) -> ChartColours:
    """The charts' colours on the palette's theme (the application's when none is given)."""
    palette = palette or current_palette()
    return ChartColours(
        series=tuple(QColor(name) for name in SERIES),
        good=tone(SUCCESS, palette).ink,
        bad=tone(ERROR, palette).ink,
        background=palette.color(Role.Base),
        foreground=palette.color(Role.Text),
        on_fill=QColor(_LIGHT[Role.Base]),
    )


def paper_ink() -> QColor:
    """Text on printed (white) paper: the PDF report, whatever the screen's theme."""
    return QColor(_LIGHT[Role.Text])


def tokens(palette: QPalette) -> dict[str, str]:
    """The style sheet's fields: palette roles and tones, as ``#rrggbb``."""
    colour = palette.color
    accent = colour(Role.Highlight)
    base, text = colour(Role.Base), colour(Role.Text)
    values = {
        "window": colour(Role.Window),
        "base": base,
        "alt_base": colour(Role.AlternateBase),
        "text": text,
        "muted": colour(Role.PlaceholderText),
        "button": colour(Role.Button),
        "border": colour(Role.Midlight),
        "border_strong": colour(Role.Mid),
        "accent": accent,
        "accent_text": colour(Role.HighlightedText),
        "accent_soft": mix(base, accent, 0.14),
        "accent_edge": mix(base, accent, 0.35),
        "selection": mix(base, accent, 0.28),
        "title": mix(accent, text, 0.45),
        "column": mix(colour(Role.Window), text, 0.05),
    }
    for name in TONE_HUES:
        shade = tone(name, palette)
        values |= {f"{name}": shade.ink, f"{name}_fill": shade.fill, f"{name}_edge": shade.edge}
    return {key: value.name() for key, value in values.items()}


def style_sheet(palette: QPalette) -> str:
    """``resources/style.qss`` filled in for the palette's theme (and the sort arrows'
    pictures, by their path: the style sheet finds files by path)."""
    template = Template(resource("style.qss").read_text(encoding="utf-8"))
    pictures = {
        "sort_ascending": resource("sort-ascending.svg").as_posix(),
        "sort_descending": resource("sort-descending.svg").as_posix(),
    }
    return template.substitute(tokens(palette) | pictures)


def set_tone(widget: QWidget, name: str | None) -> None:
    """Colour a label (or frame) by what it says — :data:`ERROR`, :data:`NOTICE`,
    :data:`SUCCESS` — or back to plain text with ``None``; the style sheet draws it."""
    if widget.property("tone") == (name or ""):
        return
    widget.setProperty("tone", name or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


class Legend(QLabel):
    """A legend line: a swatch of a tone's fill, then what it means; it takes the new
    theme's colour when the theme changes."""

    def __init__(self, tone_name: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self._tone, self._text = tone_name, text
        self._render()

    def _render(self) -> None:
        fill = tone(self._tone, self.palette()).fill.name()
        swatch = f'<span style="background:{fill}">&nbsp;&nbsp;&nbsp;&nbsp;</span>'
        self.setText(f"{swatch}&nbsp;{self._text}")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            self._render()
        super().changeEvent(event)


def rich_tone(text: str, name: str, palette: QPalette | None = None) -> str:
    """``text`` in a tone's ink, for rich-text labels (a message inside other text)."""
    if name == "muted":
        ink = (palette or current_palette()).color(Role.PlaceholderText)
    else:
        ink = tone(name, palette).ink
    return f"<span style='color:{ink.name()}'>{text}</span>"
