"""First start on a machine: try the demo, start an empty local database, or connect."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.views.app_style import command_link_arrow

DEMO, EMPTY, CONNECT = "demo", "empty", "connect"
CHOICES = (
    (DEMO, "Try it with demo data", "A local database filled with realistic sample data."),
    (
        EMPTY,
        "Start an empty local database",
        "Your own data on this computer; you create the first administrator next.",
    ),
    (CONNECT, "Connect to a shared PostgreSQL", "Your team's database on a server."),
)


class WelcomeDialog(QDialog):
    """Three ways to begin; ``choice`` says which one was taken (None: closed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeDialog")
        self.setWindowTitle("Welcome — Info Product Portal")
        self.setMinimumWidth(520)
        self.choice: str | None = None
        title = QLabel("Welcome to Info Product Portal", self)
        title.setObjectName("dialogTitle")
        intro = QLabel("How would you like to start?", self)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see SignInDialog
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        self.buttons: dict[str, QCommandLinkButton] = {}
        for choice, label, note in CHOICES:
            button = QCommandLinkButton(label, note, self)
            button.setObjectName(f"choice_{choice}")
            button.setProperty("welcomeChoice", True)
            button.setAutoDefault(False)
            button.setIcon(
                command_link_arrow(button.palette().color(QPalette.ColorRole.ButtonText))
            )
            button.clicked.connect(lambda _=False, c=choice: self.choose(c))
            layout.addWidget(button)
            self.buttons[choice] = button
        self.resize(self.sizeHint())

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()
