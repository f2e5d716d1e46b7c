"""Help → KPI definitions (resources/KPIS.md, a copy of the shared definitions) and About."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLayout,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from portal_desktop import __version__
from portal_desktop.errors import PortalError
from portal_desktop.package_data import resource


class KpiHelpDialog(QDialog):
    """The KPI definitions, rendered from Markdown; Esc or Close closes it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("KPI definitions")
        self.setObjectName("kpiHelp")
        self.resize(760, 640)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        try:
            self.browser.setMarkdown(resource("KPIS.md").read_text(encoding="utf-8"))
        except (OSError, PortalError) as exc:
            self.browser.setPlainText(f"The KPI definitions could not be read: {exc}")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see SignInDialog
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)


def about_text(database: str) -> str:
    return (
        f"<h3>Info Product Portal {__version__}</h3>"
        "<p>Leads, sales calls, enrollments, payments and the team's KPIs.</p>"
        f"<p>Connected to: {database}</p>"
    )


def show_about(parent: QWidget, database: str) -> None:
    QMessageBox.about(parent, "About Info Product Portal", about_text(database))
