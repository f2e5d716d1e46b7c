"""Fixtures for the window shell's tests: an in-memory keyring, no keyring, temporary settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail
from PySide6.QtCore import QCoreApplication, QSettings


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (for unit tests)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


def _swap(backend: keyring.backend.KeyringBackend) -> Iterator[keyring.backend.KeyringBackend]:
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def memory_keyring() -> Iterator[keyring.backend.KeyringBackend]:
    yield from _swap(MemoryKeyring())


@pytest.fixture
def no_keyring() -> Iterator[keyring.backend.KeyringBackend]:
    """What a headless Linux without a Secret Service gets: keyring's 'fail' backend."""
    yield from _swap(fail.Keyring())


@pytest.fixture
def temp_settings(tmp_path: Path) -> Iterator[Path]:
    """QSettings (INI) in a temporary folder, never the user's real settings."""
    folder = tmp_path / "settings"
    folder.mkdir()
    QCoreApplication.setOrganizationName("PortalTests")
    QCoreApplication.setApplicationName("portal-desktop-tests")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def generic_tabs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generic list for every list tab and the charts placeholder, whatever screens are
    plugged into the registry: the shell's tests test the shell, not those screens."""
    from portal_desktop.views import tab_registry
    from portal_desktop.views.main_window import ChartsPlaceholder

    generic = {
        "pipeline": tab_registry.PipelineList,
        "sales_calls": tab_registry.SalesCallsList,
        "enrollments": tab_registry.EnrollmentsList,
        "payment_schedules": tab_registry.PaymentSchedulesList,
        "team": tab_registry.TeamList,
        "marketing": tab_registry.MarketingList,
        "users": tab_registry.UsersList,
        "charts": ChartsPlaceholder,
    }
    for key, cls in generic.items():
        monkeypatch.setitem(tab_registry.TAB_CLASSES, key, lambda cls=cls: cls)
