"""Connect to a shared PostgreSQL: named profiles, SSL down to verify-full, Test connection.

Profiles go to connections.json (db/profiles.py), the password to the OS keyring
(db/secrets.py) and nowhere else. Without a keyring the dialog says so and the app asks for
the password each time.

A new profile's SSL mode follows the root certificate (verify-full with one, require without)
until the user picks a mode; the weak modes (prefer, allow, disable) sit below a separator
and are only used when picked. The note under the mode says in words what it protects and
what it risks ("Not verified" for require). "Keep a copy on this computer" makes the profile
offline-capable (docs/sync.md): its first connect takes a snapshot (views/sync).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from portal_desktop.db import secrets
from portal_desktop.db.engine import make_engine, server_version
from portal_desktop.db.profiles import DEFAULT_PORT, SSL_MODES, Profile, ProfileStore, save_profiles
from portal_desktop.db.tls import MODE_MEANINGS, WEAK_MODES, default_sslmode, level_of
from portal_desktop.errors import PortalError
from portal_desktop.views.tls_badge import paint_level
from portal_desktop.views.workers import run_in_worker

NEW_PROFILE = "New profile…"
TEST_TIMEOUT_S = 5
TOOLTIP = Qt.ItemDataRole.ToolTipRole
OFFLINE_TIP = (
    "The first connect copies the database to this computer; then you can work without the "
    "server, and your changes are sent when it answers again."
)


def try_connection(profile: Profile, password: str) -> tuple[bool, str]:
    """Connect once and ask the server for its version: (worked, what to show)."""
    try:
        profile.check()
        engine = make_engine(
            profile.url(password), connect_args={"connect_timeout": TEST_TIMEOUT_S}
        )
    except PortalError as exc:
        return False, str(exc)
    try:
        version = server_version(engine)
    except PortalError as exc:
        return False, str(exc)
    finally:
        engine.dispose()
    return True, f"Connected. The server answered: {version}"


class ConnectionDialog(QDialog):
    """Pick or edit a profile; on Connect, ``profile`` and ``password`` are set."""

    tested = Signal(bool)  # a Test connection answered: whether it worked

    def __init__(self, store: ProfileStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.testing = False
        self.setObjectName("connectionDialog")
        self.setWindowTitle("Connect to a shared PostgreSQL")
        self.setMinimumWidth(580)
        self.store = store
        self.profile: Profile | None = None
        self.password = ""

        self.profiles = QComboBox(self)
        self.profiles.setObjectName("profiles")
        self.profiles.addItems([*store.profiles, NEW_PROFILE])
        self.name = QLineEdit(self)
        self.host = QLineEdit(self)
        self.port = QSpinBox(self)
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit(self)
        self.user = QLineEdit(self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode = QComboBox(self)
        self.sslmode.setObjectName("sslmode")
        for mode in SSL_MODES:
            if mode == WEAK_MODES[0]:
                self.sslmode.insertSeparator(self.sslmode.count())
            self.sslmode.addItem(mode)
            self.sslmode.setItemData(self.sslmode.count() - 1, MODE_MEANINGS[mode], TOOLTIP)
        self.mode_chosen = False  # the user picked the mode: it no longer follows the cert
        self.tls_note = QLabel(self)
        self.tls_note.setObjectName("tlsNote")
        self.tls_note.setWordWrap(True)
        self.sslrootcert = QLineEdit(self)
        self.sslrootcert.setPlaceholderText("root certificate, for verify-ca and verify-full")
        browse = QPushButton("Browse…", self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_certificate)
        cert_row = QHBoxLayout()
        cert_row.addWidget(self.sslrootcert, 1)
        cert_row.addWidget(browse)
        for name, widget in (
            ("name", self.name),
            ("host", self.host),
            ("database", self.database),
            ("user", self.user),
            ("password", self.password_edit),
            ("sslrootcert", self.sslrootcert),
        ):
            widget.setObjectName(name)

        self.remember = QCheckBox("Save the password in the system keyring", self)
        self.remember.setObjectName("rememberPassword")
        self.keyring_note = QLabel(self)
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)
        if secrets.keyring_available():
            self.remember.setChecked(True)
            self.keyring_note.hide()
        else:
            self.remember.setEnabled(False)
            self.keyring_note.setText(secrets.NO_KEYRING)

        self.offline = QCheckBox("&Keep a copy on this computer (work offline)", self)
        self.offline.setObjectName("offline")
        self.offline.setToolTip(OFFLINE_TIP)

        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setObjectName("testButton")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self.run_test)
        self.answer = QLabel(self)
        self.answer.setObjectName("testResult")
        self.answer.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Profile", self.profiles)
        form.addRow("&Name", self.name)
        form.addRow("&Host", self.host)
        form.addRow("P&ort", self.port)
        form.addRow("&Database", self.database)
        form.addRow("&User", self.user)
        form.addRow("Pass&word", self.password_edit)
        form.addRow("", self.remember)
        form.addRow("&SSL mode", self.sslmode)
        cert_label = QLabel("&Root certificate", self)
        cert_label.setBuddy(self.sslrootcert)
        form.addRow(cert_label, cert_row)
        form.addRow("", self.tls_note)
        form.addRow("", self.offline)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.connect_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("&Connect")
        buttons.accepted.connect(self.connect_profile)
        buttons.rejected.connect(self.reject)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.answer, 1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see SignInDialog
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addLayout(test_row)
        layout.addWidget(buttons)

        self.profiles.currentTextChanged.connect(self._load)
        self.sslmode.currentTextChanged.connect(self._show_tls_note)
        self.sslmode.activated.connect(self._choose_mode)
        self.sslrootcert.textChanged.connect(self._follow_certificate)
        if store.last:
            self.profiles.setCurrentText(store.last)
        self._load(self.profiles.currentText())
        self.resize(self.sizeHint())

    def _load(self, name: str) -> None:
        profile = self.store.profiles.get(name)
        if profile is None:
            profile = Profile(name="", host="localhost", database="portal", user="")
        self.name.setText(profile.name)
        self.host.setText(profile.host)
        self.port.setValue(profile.port)
        self.database.setText(profile.database)
        self.user.setText(profile.user)
        self.mode_chosen = True  # a saved profile keeps its mode; a new one follows the cert
        self.sslrootcert.setText(profile.sslrootcert)
        self.sslmode.setCurrentText(profile.sslmode)
        self.offline.setChecked(profile.offline)
        self.mode_chosen = bool(profile.name)
        self._show_tls_note(profile.sslmode)
        saved = secrets.load_password(profile.name, profile.user) if profile.name else None
        self.password_edit.setText(saved or "")
        self.answer.clear()

    def _choose_mode(self, _index: int) -> None:
        self.mode_chosen = True

    def _follow_certificate(self, path: str) -> None:
        if not self.mode_chosen:
            self.sslmode.setCurrentText(default_sslmode(path))

    def _show_tls_note(self, mode: str) -> None:
        self.tls_note.setText(MODE_MEANINGS.get(mode, ""))
        level = level_of(mode, ssl_in_use=mode not in WEAK_MODES)
        self.tls_note.setProperty("level", level.value)
        paint_level(self.tls_note, level)

    def _browse_certificate(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Root certificate", "", "Certificates (*.crt *.pem);;All files (*)"
        )
        if path:
            self.sslrootcert.setText(path)

    def current_profile(self) -> Profile:
        return Profile(
            name=self.name.text().strip(),
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            sslmode=self.sslmode.currentText(),
            sslrootcert=self.sslrootcert.text().strip(),
            offline=self.offline.isChecked(),
        )

    def run_test(self) -> None:
        """Try the connection in a worker (a slow server never freezes the window); the
        answer shows when it comes (``tested`` carries whether it worked)."""
        if self.testing:
            return
        self.testing = True
        self.test_button.setEnabled(False)
        self.answer.setProperty("ok", None)
        self.answer.setText("Connecting…")
        profile, password = self.current_profile(), self.password_edit.text()
        run_in_worker(
            lambda: try_connection(profile, password), on_success=self._tested, parent=self
        )

    def _tested(self, outcome: tuple[bool, str]) -> None:
        worked, answer = outcome
        self.testing = False
        self.test_button.setEnabled(True)
        self.answer.setProperty("ok", worked)
        self.answer.style().unpolish(self.answer)
        self.answer.style().polish(self.answer)
        self.answer.setText(answer)
        self.tested.emit(worked)

    def connect_profile(self) -> None:
        """Save the profile (and the password, to the keyring only) and close."""
        profile = self.current_profile()
        try:
            self.store.put(profile)
        except PortalError as exc:
            self.answer.setText(str(exc))
            return
        password = self.password_edit.text()
        if self.remember.isChecked() and password:
            try:
                secrets.save_password(profile.name, profile.user, password)
            except secrets.KeyringUnavailableError as exc:
                self.answer.setText(str(exc))
                return
        self.store.last = profile.name
        save_profiles(self.store)
        self.profile, self.password = profile, password
        self.accept()
