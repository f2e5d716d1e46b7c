"""The connection dialog against the suite's real PostgreSQL, a closed port, and the keyring."""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog
from sqlalchemy.engine import make_url

from portal_desktop.db.profiles import load_profiles, profiles_path
from portal_desktop.views.connection_dialog import ConnectionDialog
from tests.shell_helpers import memory_keyring, no_keyring, temp_settings  # noqa: F401
from tests.tls_cluster import TlsServer

pytestmark = pytest.mark.usefixtures("temp_settings")
SECRET = "not-in-any-file-7"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dialog(qtbot) -> ConnectionDialog:
    dialog = ConnectionDialog(load_profiles())
    qtbot.addWidget(dialog)
    return dialog


def _fill(dialog: ConnectionDialog, url: str, *, name: str = "suite", port: int | None = None):
    parsed = make_url(url)
    dialog.name.setText(name)
    dialog.host.setText(parsed.host or "localhost")
    dialog.port.setValue(port or parsed.port or 5432)
    dialog.database.setText(parsed.database or "postgres")
    dialog.user.setText(parsed.username or "postgres")
    dialog.password_edit.setText(parsed.password or "")
    dialog.sslmode.setCurrentText("disable")


@pytest.mark.usefixtures("memory_keyring")
def test_test_connection_shows_the_servers_answer(qtbot, pg_admin_url: str) -> None:
    dialog = _dialog(qtbot)
    _fill(dialog, pg_admin_url)
    with qtbot.waitSignal(dialog.tested, timeout=15000):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.answer.text().startswith("Connected. The server answered: PostgreSQL ")
    assert dialog.answer.property("ok") is True


@pytest.mark.usefixtures("memory_keyring")
def test_a_closed_port_is_explained_in_words(qtbot, pg_admin_url: str) -> None:
    dialog = _dialog(qtbot)
    port = _closed_port()
    _fill(dialog, pg_admin_url, port=port)
    with qtbot.waitSignal(dialog.tested, timeout=15000) as tested:
        dialog.run_test()
    assert tested.args == [False]
    text = dialog.answer.text()
    assert "cannot connect to " in text and f":{port}/" in text
    assert "Check the host, port, user and password, and that the server is running." in text
    assert dialog.answer.property("ok") is False


@pytest.mark.usefixtures("memory_keyring")
def test_connect_saves_the_profile_and_puts_the_password_only_in_the_keyring(
    qtbot, pg_admin_url: str
) -> None:
    dialog = _dialog(qtbot)
    _fill(dialog, pg_admin_url, name="office")
    dialog.password_edit.setText(SECRET)
    assert dialog.remember.isEnabled() and dialog.remember.isChecked()
    assert dialog.keyring_note.isHidden()
    dialog.connect_profile()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.password == SECRET
    user = make_url(pg_admin_url).username
    assert keyring.get_password("portal-desktop", f"office:{user}") == SECRET
    assert SECRET not in profiles_path().read_text()
    saved = json.loads(profiles_path().read_text())
    assert saved["last"] == "office"
    # Opening the dialog again shows the profile with its password from the keyring.
    again = _dialog(qtbot)
    assert again.profiles.currentText() == "office"
    assert again.password_edit.text() == SECRET


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_dialog_says_so_and_saves_no_password(
    qtbot, pg_admin_url: str
) -> None:
    dialog = _dialog(qtbot)
    assert not dialog.remember.isEnabled()
    assert not dialog.keyring_note.isHidden()
    assert "No password store (keyring) is available" in dialog.keyring_note.text()
    assert "ask for the password each time" in dialog.keyring_note.text()
    _fill(dialog, pg_admin_url, name="office")
    dialog.password_edit.setText(SECRET)
    dialog.connect_profile()
    assert dialog.password == SECRET  # used for this connection only
    assert SECRET not in profiles_path().read_text()
    assert load_profiles().last == "office"


@pytest.fixture
def null_keyring() -> Iterator[None]:
    """keyring turned off (PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring): it takes
    every password and keeps none."""
    before = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.mark.usefixtures("null_keyring")
def test_with_the_null_keyring_the_dialog_says_the_password_cannot_be_saved(
    qtbot, pg_admin_url: str
) -> None:
    dialog = _dialog(qtbot)
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    assert not dialog.keyring_note.isHidden()
    assert "the password cannot be saved" in dialog.keyring_note.text()
    _fill(dialog, pg_admin_url, name="office")
    dialog.password_edit.setText(SECRET)
    dialog.connect_profile()
    assert dialog.password == SECRET  # used for this connection only
    assert load_profiles().last == "office"
    assert SECRET not in profiles_path().read_text()


def test_a_bad_profile_is_refused_at_connect(qtbot) -> None:
    dialog = _dialog(qtbot)
    dialog.name.setText("")
    dialog.connect_profile()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.answer.text() == "name: is required"


@pytest.mark.usefixtures("memory_keyring")
def test_a_server_that_never_answers_does_not_freeze_the_window(qtbot, pg_admin_url: str) -> None:
    """A listener that accepts and says nothing: the test waits in a worker; the UI thread
    keeps its heartbeat (no gap over 100 ms) while "Connecting…" shows."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        dialog = _dialog(qtbot)
        _fill(dialog, pg_admin_url, port=silent.getsockname()[1])
        ticks: list[float] = []
        beat = QTimer(dialog)
        beat.timeout.connect(lambda: ticks.append(time.perf_counter()))
        beat.start(10)
        dialog.run_test()
        assert dialog.answer.text() == "Connecting…" and not dialog.test_button.isEnabled()
        qtbot.wait(1500)
        beat.stop()
        assert dialog.testing  # still waiting for the silent server
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert len(ticks) > 50 and max(gaps) < 0.1
    finally:
        silent.close()


def _pick(dialog: ConnectionDialog, mode: str) -> None:
    """Pick a mode as a user does (``activated`` comes only from the user)."""
    index = dialog.sslmode.findText(mode)
    dialog.sslmode.setCurrentIndex(index)
    dialog.sslmode.activated.emit(index)


def test_a_new_profile_defaults_to_require_with_a_not_verified_warning(
    qtbot, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot)
    dialog.show()
    assert dialog.profiles.currentText() == "New profile…"
    assert dialog.sslmode.currentText() == "require"
    assert dialog.tls_note.isVisible()
    assert dialog.tls_note.text().startswith("Not verified: the connection is encrypted, but")
    assert dialog.tls_note.property("level") == "unverified"
    dialog.grab().save("/tmp/tls_dialog_require.png")
    # A root certificate makes it verify-full; taking it away goes back to require.
    cert = tmp_path / "root.crt"
    cert.write_text("x")
    dialog.sslrootcert.setText(str(cert))
    assert dialog.sslmode.currentText() == "verify-full"
    assert dialog.tls_note.text().startswith("Encrypted, and the server proves who it is")
    assert dialog.tls_note.property("level") == "verified"
    dialog.sslrootcert.setText("")
    assert dialog.sslmode.currentText() == "require"


def test_weak_modes_are_an_explicit_choice_with_the_risk_in_words(qtbot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot)
    modes = [dialog.sslmode.itemText(i) for i in range(dialog.sslmode.count())]
    # The weak modes come after a separator (an empty, unselectable item).
    assert modes == ["verify-full", "verify-ca", "require", "", "prefer", "allow", "disable"]
    _pick(dialog, "prefer")
    assert dialog.tls_note.text().startswith("Risk: encrypts only if the server offers it")
    assert "silently falls back to plain text" in dialog.tls_note.text()
    assert dialog.tls_note.property("level") == "plain"
    cert = tmp_path / "root.crt"
    cert.write_text("x")
    dialog.sslrootcert.setText(str(cert))
    assert dialog.sslmode.currentText() == "prefer"  # the user's choice is not overridden
    _pick(dialog, "disable")
    assert dialog.tls_note.text().startswith("Risk: never encrypted")
    dialog.show()
    dialog.grab().save("/tmp/tls_dialog_disable.png")


@pytest.mark.usefixtures("memory_keyring")
def test_a_saved_profile_keeps_the_mode_that_was_chosen(qtbot, pg_admin_url: str) -> None:
    dialog = _dialog(qtbot)
    _fill(dialog, pg_admin_url, name="office")
    _pick(dialog, "prefer")
    dialog.connect_profile()
    assert json.loads(profiles_path().read_text())["profiles"][0]["sslmode"] == "prefer"
    again = _dialog(qtbot)
    assert again.profiles.currentText() == "office"
    assert again.sslmode.currentText() == "prefer"
    assert again.tls_note.text().startswith("Risk:")


@pytest.mark.usefixtures("memory_keyring")
def test_test_connection_verifies_the_server_with_the_root_certificate(
    qtbot, tls_server: TlsServer
) -> None:
    dialog = _dialog(qtbot)
    _fill(dialog, tls_server.url().render_as_string(), name="tls")
    dialog.sslrootcert.setText(str(tls_server.ca_file))
    dialog.sslmode.setCurrentText("verify-full")
    with qtbot.waitSignal(dialog.tested, timeout=15000) as tested:
        dialog.run_test()
    assert tested.args == [True], dialog.answer.text()
    dialog.host.setText("127.0.0.1")  # the certificate names localhost only
    with qtbot.waitSignal(dialog.tested, timeout=15000) as tested:
        dialog.run_test()
    assert tested.args == [False]
    assert 'not for the host name "127.0.0.1"' in dialog.answer.text()
    dialog.show()
    dialog.grab().save("/tmp/tls_dialog_wrong_host.png")
