"""Help → Keyboard shortcuts (views/shortcuts.py), KPI definitions (resources/KPIS.md, a copy
of the shared definitions) and About."""

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
from portal_desktop.views import a11y, shortcuts


class MarkdownDialog(QDialog):
    """A page of Markdown, read-only; Esc or Close closes it."""

    def __init__(
        self, title: str, name: str, size: tuple[int, int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.resize(*size)
        self.browser = a11y.named(QTextBrowser(self), title)
        self.browser.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see SignInDialog
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)


class KpiHelpDialog(MarkdownDialog):
    """The KPI definitions, rendered from Markdown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("KPI definitions", "kpiHelp", (760, 640), parent)
        try:
            self.browser.setMarkdown(resource("KPIS.md").read_text(encoding="utf-8"))
        except (OSError, PortalError) as exc:
            self.browser.setPlainText(f"The KPI definitions could not be read: {exc}")


class KeysHelpDialog(MarkdownDialog):
    """Every key the app answers, from the one registry (views/shortcuts.py)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Keyboard shortcuts", "keysHelp", (700, 540), parent)
        self.browser.setMarkdown(shortcuts.markdown(native=True))


def about_text(database: str) -> str:
    return (
        f"<h3>Info Product Portal {__version__}</h3>"
        "<p>Leads, sales calls, enrollments, payments and the team's KPIs.</p>"
        f"<p>Connected to: {database}</p>"
    )


def show_about(parent: QWidget, database: str) -> None:
    QMessageBox.about(parent, "About Info Product Portal", about_text(database))
