"""The small questions about a shared database's connection: which one, its password, and
whether to upgrade its schema."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

if TYPE_CHECKING:
    from portal_desktop.db.profiles import Profile


def ask_password(parent: QWidget | None, profile: Profile) -> str | None:
    """The password of ``profile``'s login, asked for (None: the person cancelled)."""
    from portal_desktop.db import secrets

    note = "" if secrets.keyring_available() else f"{secrets.NO_KEYRING}\n\n"
    text, ok = QInputDialog.getText(
        parent,
        "Database password",
        f"{note}Password of {profile.user} on {profile.host}/{profile.database}:",
        QLineEdit.EchoMode.Password,
    )
    return text if ok else None


def ask_connection(parent: QWidget | None) -> tuple[Profile, str] | None:
    """The profile (and its password) the person chose in the Connection dialog; None when
    they cancelled."""
    from portal_desktop.db.profiles import load_profiles
    from portal_desktop.views.connection_dialog import ConnectionDialog

    dialog = ConnectionDialog(load_profiles(), parent)
    accepted = dialog.exec() == ConnectionDialog.DialogCode.Accepted
    if not accepted or dialog.profile is None:
        return None
    return dialog.profile, dialog.password


def ask_upgrade(parent: QWidget | None, database: str, outdated: tuple[str | None, str]) -> bool:
    """Whether the administrator agrees to upgrade ``database``'s older schema now."""
    answer = QMessageBox.question(
        parent,
        "Upgrade the database?",
        f"{database} is at schema {outdated[0]}; this app needs {outdated[1]}. Upgrade it "
        "now? Everyone using an older app will then have to update theirs.",
    )
    return answer == QMessageBox.StandardButton.Yes
