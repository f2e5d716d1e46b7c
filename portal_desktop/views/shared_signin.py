"""At a first sign-in to a shared PostgreSQL database, the person chooses their own password
(``services/accounts/pg_signin.sign_in_shared`` asks through this)."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from portal_desktop.errors import PortalError


def ask_new_password(parent: QWidget | None) -> str | None:
    """The person's own password, typed twice (None: cancelled)."""
    texts = []
    for label in ("Choose your own password (at least 10 characters):", "Type it again:"):
        text, ok = QInputDialog.getText(parent, "First sign-in", label, QLineEdit.EchoMode.Password)
        if not ok:
            return None
        texts.append(text)
    if texts[0] != texts[1]:
        raise PortalError("The two new passwords differ; sign in again and type them again.")
    return texts[0]
