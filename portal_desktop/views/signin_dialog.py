"""The sign-in dialog: username and password, or the first administrator of a new database.

It opens before the database does (a quick start): the form waits, disabled, until
:meth:`SignInDialog.ready` hands it the database's name and the functions that check a
password or create the first administrator. It imports nothing but Qt, so it paints fast.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.errors import PortalError
from portal_desktop.views import ui_state

# (username, password) -> the signed-in Actor, or raises a PortalError in words.
Authenticate = Callable[[str, str], object]
# (username, full name, password) -> None, or raises ValidationError.
CreateAdmin = Callable[[str, str, str], object]


class SignInDialog(QDialog):
    signed_in = Signal(object)  # the Actor
    connection_requested = Signal()
    painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in — Info Product Portal")
        self.setMinimumWidth(420)
        self._authenticate: Authenticate | None = None
        self._create_admin: CreateAdmin | None = None
        self._painted = False

        self.title = QLabel("Sign in", self)
        self.title.setObjectName("dialogTitle")
        self.database_label = QLabel("Opening the database…", self)
        self.database_label.setObjectName("databaseNote")
        self.database_label.setWordWrap(True)

        self.username = QLineEdit(ui_state.last_username(), self)
        self.username.setObjectName("username")
        self.full_name = QLineEdit(self)
        self.full_name.setObjectName("fullName")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("repeatPassword")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.form.addRow("&Username", self.username)
        self.form.addRow("&Full name", self.full_name)
        self.form.addRow("&Password", self.password)
        self.form.addRow("&Repeat password", self.repeat)

        self.message = QLabel(self)
        self.message.setObjectName("errorMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.connection_button = QPushButton("&Connection…", self)
        self.connection_button.setObjectName("connectionButton")
        self.connection_button.setAutoDefault(False)
        self.connection_button.clicked.connect(self.connection_requested.emit)
        self.sign_in_button = QPushButton("Sign &in", self)
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connection_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        # The size is set once, before showing: a layout resizing a shown window's minimum
        # is a warning on platforms that cannot pass size hints on (offscreen).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.database_label)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._set_first_admin_mode(False)
        self._set_enabled(False)

    # --- states -------------------------------------------------------------------------

    def ready(
        self,
        database: str,
        authenticate: Authenticate,
        create_admin: CreateAdmin | None = None,
        notice: str = "",
    ) -> None:
        """The database is open: sign in to it, or (``create_admin``) create its first admin."""
        self._authenticate, self._create_admin = authenticate, create_admin
        text = f"Database: {database}"
        self.database_label.setText(f"{text}\n{notice}" if notice else text)
        self._set_first_admin_mode(create_admin is not None)
        self._set_enabled(True)
        self.show_message("")
        (self.password if self.username.text() else self.username).setFocus()

    def unavailable(self, problem: str) -> None:
        """The database could not be opened: say why; only Connection… stays usable."""
        self._authenticate = self._create_admin = None
        self.database_label.setText("No database is open.")
        self._set_enabled(False)
        self.show_message(problem)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.username, self.full_name, self.password, self.repeat):
            widget.setEnabled(enabled)
        self.sign_in_button.setEnabled(enabled)

    def _set_first_admin_mode(self, first_admin: bool) -> None:
        self.title.setText("Create the first administrator" if first_admin else "Sign in")
        self.sign_in_button.setText("Create and sign &in" if first_admin else "Sign &in")
        for widget in (self.full_name, self.repeat):
            widget.setVisible(first_admin)
            self.form.labelForField(widget).setVisible(first_admin)
        self.resize(self.width(), self.sizeHint().height())

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    # --- actions ------------------------------------------------------------------------

    def submit(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.show_message("Type your username and password.")
            return
        try:
            if self._create_admin is not None:
                if password != self.repeat.text():
                    self.show_message("The two passwords differ; type the same one twice.")
                    return
                self._create_admin(username, self.full_name.text().strip(), password)
            if self._authenticate is None:
                return
            actor = self._authenticate(username, password)
        except PortalError as exc:
            self.show_message(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        ui_state.remember_username(username)
        self.password.clear()
        self.repeat.clear()
        self.show_message("")
        self.signed_in.emit(actor)
        self.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Once this paint has reached the screen, not from inside it.
            QTimer.singleShot(0, self.painted.emit)
