"""An offline-capable profile: the flag in connections.json and its checkbox, and the first
snapshot's dialog (progress, rows, time left, Cancel) over a real snapshot-like copy."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from sqlalchemy import Engine, func, select

from portal_desktop.db.engine import make_engine
from portal_desktop.db.profiles import Profile, ProfileStore, load_profiles, save_profiles
from portal_desktop.db.replica_tables import create_replica_tables, sync_state
from portal_desktop.models.enums import UserRole
from portal_desktop.services.accounts.settings import load_settings
from portal_desktop.views.admin.settings_panel import SettingsPanel
from portal_desktop.views.connection_dialog import ConnectionDialog
from portal_desktop.views.sync.snapshot_dialog import (
    CANCELLED,
    SnapshotDialog,
    needs_snapshot,
    progress_words,
)
from tests.shell_helpers import memory_keyring, temp_settings  # noqa: F401
from tests.views.call_fixtures import make_context

OFFICE = Profile(name="office", host="db.example", database="portal", user="ana")


def test_the_flag_is_saved_and_an_older_file_loads_without_it(tmp_path: Path) -> None:
    path = tmp_path / "connections.json"
    save_profiles(ProfileStore({"office": Profile(**(vars(OFFICE) | {"offline": True}))}), path)
    saved = json.loads(path.read_text())
    assert saved["format"] == 2 and saved["profiles"][0]["offline"] is True
    assert load_profiles(path).profiles["office"].offline is True
    del saved["profiles"][0]["offline"]  # a file an older version wrote
    path.write_text(json.dumps(saved))
    assert load_profiles(path).profiles["office"].offline is False


@pytest.mark.usefixtures("temp_settings", "memory_keyring")
def test_the_checkbox_makes_the_profile_offline_capable(qtbot) -> None:
    dialog = ConnectionDialog(load_profiles())
    qtbot.addWidget(dialog)
    for box, text in (
        (dialog.name, "office"),
        (dialog.host, "db.example"),
        (dialog.database, "portal"),
        (dialog.user, "ana"),
    ):
        box.setText(text)
    assert not dialog.offline.isChecked()
    assert dialog.offline.text().replace("&", "").startswith("Keep a copy on this computer")
    dialog.offline.setChecked(True)
    dialog.connect_profile()
    assert dialog.profile is not None and dialog.profile.offline
    profile = load_profiles().profiles["office"]
    assert profile.offline and needs_snapshot(profile)
    again = ConnectionDialog(load_profiles())
    qtbot.addWidget(again)
    assert again.offline.isChecked()
    profile.replica_file.parent.mkdir(parents=True)
    profile.replica_file.write_bytes(b"")
    assert not needs_snapshot(profile)  # the copy is there: no second snapshot


def test_rows_and_time_left_in_words() -> None:
    assert progress_words(0, 50_000, 0.0) == "0 of 50,000 rows"
    assert progress_words(12_000, 50_000, 30.0) == "12,000 of 50,000 rows · about 2 min left"
    assert progress_words(49_000, 50_000, 30.0) == "49,000 of 50,000 rows · less than a minute left"
    assert progress_words(1_000, 500_000, 60.0).endswith("about 8 h 19 min left")


class Copy:
    """A snapshot-like ``take``: a migrated SQLite copy filled in batches, no file left on a
    cancel (as PULL's take_snapshot promises)."""

    def __init__(self, template: Path, path: Path, rows: int = 600, batch: int = 100) -> None:
        self.template, self.path, self.rows, self.batch = template, path, rows, batch
        self.hold = threading.Event()  # set: wait after the first batch until cancelled
        self.thread = ""

    def __call__(self, progress: Callable[[int, int], None], cancelled: Callable[[], bool]):
        self.thread = threading.current_thread().name
        shutil.copyfile(self.template, self.path)
        engine = make_engine(f"sqlite:///{self.path}")
        create_replica_tables(engine)
        for start in range(0, self.rows, self.batch):
            if cancelled():
                engine.dispose()
                self.path.unlink()
                return None
            with engine.begin() as conn:
                conn.execute(
                    sync_state.insert(),
                    [{"key": f"row{n}", "value": "x"} for n in range(start, start + self.batch)],
                )
            progress(start + self.batch, self.rows)
            while self.hold.is_set() and not cancelled():
                self.hold.wait(0.01)
        return engine


def test_the_first_snapshot_shows_progress_off_the_ui_thread(
    qtbot, migrated_templates, tmp_path
) -> None:
    copy = Copy(migrated_templates["sqlite"], tmp_path / "replica.sqlite3")
    dialog = SnapshotDialog(copy)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.show()
    assert copy.thread != threading.main_thread().name
    assert dialog.bar.value() == dialog.bar.maximum() == 600
    assert dialog.rows.text() == "600 of 600 rows"
    replica: Engine = dialog.replica
    with replica.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(sync_state)) == 600
    replica.dispose()


def test_cancel_stops_the_copy_and_leaves_no_file(qtbot, migrated_templates, tmp_path) -> None:
    copy = Copy(migrated_templates["sqlite"], tmp_path / "replica.sqlite3")
    copy.hold.set()
    dialog = SnapshotDialog(copy)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.rows.text().startswith("100 of 600 rows"), timeout=10_000)
    assert dialog.bar.value() == 100 and dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.rejected, timeout=10_000):
        dialog.cancel_button.click()
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.error == CANCELLED
    assert not copy.path.exists() and dialog.replica is None


def test_the_admin_sets_how_long_an_offline_sign_in_lasts(qtbot, engine, sessions) -> None:
    panel = SettingsPanel(make_context(engine, sessions, UserRole.ADMIN))
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.current is not None, timeout=5_000)
    assert panel.offline_days.value() == 14
    panel.offline_days.setValue(30)
    with qtbot.waitSignal(panel.saved, timeout=5_000):
        panel.save_button.click()
    with sessions() as session:
        assert load_settings(session).offline_sign_in_days == 30
