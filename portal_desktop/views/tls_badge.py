"""The TLS state of a shared database in the status bar: "TLS verified", "TLS not verified" or
"Not encrypted", with a tooltip in words. Nothing for the local SQLite file.

The state is read from the live connection (db/tls.py ``tls_state``) in a worker, never on
the UI thread. ``paint_level`` gives the same colours to the connection dialog's TLS note.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from portal_desktop.db.tls import TlsLevel, TlsState, tls_state
from portal_desktop.views.badges import AMBER, GREEN, RED, is_dark, tone_colors
from portal_desktop.views.ops import ReadOp
from portal_desktop.views.tab_context import TabContext

HUES = {
    TlsLevel.VERIFIED: GREEN,
    TlsLevel.CA_ONLY: AMBER,
    TlsLevel.UNVERIFIED: AMBER,
    TlsLevel.PLAIN: RED,
}
CHECKING = "TLS…"
UNKNOWN = "TLS unknown"


def paint_level(label: QLabel, level: TlsLevel) -> None:
    """Colour a label as a badge of the level (green verified, amber not, red plain)."""
    fill, ink = tone_colors(HUES[level], is_dark(label.palette()))
    label.setStyleSheet(
        f"QLabel {{ background: {fill.name()}; color: {ink.name()}; "
        "border-radius: 4px; padding: 2px 6px; }"
    )


class TlsBadge(QLabel):
    """The status bar's TLS badge; ``state`` holds what the live connection answered."""

    def __init__(self, ctx: TabContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tlsBadge")
        self.state: TlsState | None = None
        if ctx.engine.url.get_backend_name() != "postgresql":
            self.hide()  # a local file crosses no network
            return
        self.setText(CHECKING)
        ReadOp(ctx, lambda session: tls_state(session.connection()), parent=self).success(
            self.show_state
        ).failure(self.show_failure).run()

    def show_state(self, state: TlsState | None) -> None:
        if state is None:
            self.hide()
            return
        self.state = state
        self.setText(state.label)
        self.setToolTip(state.detail)
        self.setProperty("level", state.level.value)
        paint_level(self, state.level)

    def show_failure(self, error: BaseException) -> None:
        self.setText(UNKNOWN)
        self.setToolTip(f"The TLS state could not be read: {error}")
