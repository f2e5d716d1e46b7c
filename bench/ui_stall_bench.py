"""The longest UI-thread stall of a scripted tour, over PostgreSQL 50 ms away (issue 12).

    .venv/bin/python bench/ui_stall_bench.py [--leads 1000000] [--latency-ms 50] [--runs 1]

A throw-away PostgreSQL cluster (tests/pg_cluster.py) is migrated and seeded with the demo
data (``portal-desktop db upgrade`` and ``seed --demo``: every tab has data), then the rest
of ``--leads`` leads is added with one server-side ``INSERT … SELECT generate_series`` and
the daily rollups are rebuilt. Nothing is cached: the cluster is deleted at the end.

The app reaches the cluster through bench/latency_proxy.py, a loopback TCP proxy adding
``--latency-ms`` to every round trip (half of it each way, per chunk, in order). The main
window is built as the app builds it after a sign-in as the demo ``admin``, and a tour is
driven through its public surfaces only: the tab widget, the tabs' table views and search
boxes, a header click, the tabs' hooks (``open_selected()``, ``new_record()``), a dialog's
Save button. A step that cannot be driven on this version of the app prints
``skipped: <why>``.

A QTimer on the UI thread ticks every 5 ms; a step's stall is the longest gap between two
ticks from its action until its work has settled (no worker running, no list busy, for
100 ms; at most 60 s). ``baseline`` is the same heartbeat while the UI thread does nothing
for 1 s: the noise of the machine. Floor (issue 12): no stall over 100 ms in any step; the
exit status is 1 when one is over it. With ``--runs`` the tour is repeated in a new window
and the worst stall of each step is kept (the wall time is the median).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_desktop.app import application
from portal_desktop.app_database import load_formatter
from portal_desktop.db.engine import make_engine, session_factory
from portal_desktop.services.accounts.users import authenticate
from portal_desktop.services.reporting.rollups import refresh_rollups
from portal_desktop.views.main_window import MainWindow
from portal_desktop.views.tab_context import DataBus, TabContext
from portal_desktop.views.task_runner import TaskRunner
from portal_desktop.warm_up import warm_up

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import (  # noqa: E402
    QAbstractItemModel,
    QCoreApplication,
    QEvent,
    QEventLoop,
    QObject,
    QPoint,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from bench.latency_proxy import LatencyProxy  # noqa: E402

# UI_STALL_TRACE=1: say each second what a step waits for, and at 5 s where every thread is.
TRACE = bool(os.environ.get("UI_STALL_TRACE"))
BUSY_KINDS: tuple[type[QObject], ...] = (QAbstractItemModel, TaskRunner)
from tests.pg_cluster import INSTALL_HINT, PgCluster, find_server_binaries  # noqa: E402

FLOOR_MS = 100.0
TICK_MS = 5
QUIET_S = 0.1
BLOCKED_S = 0.03
STEP_TIMEOUT_S = 60.0
DATABASE = "ui_stall"
DEMO_LEADS = 2_000
FIRST_NAMES = "Ada Ben Cleo Dan Eve Finn Gia Hal Ivy Jon Kai Lea Max Nia Oto Pia Quin Rae Sol Tia"
LAST_NAMES = (
    "Archer Baker Carver Dalton Ellis Fowler Garner Hughes Ingram Jensen Keller Lowell Mercer "
    "Norris Oakley Porter Quincy Ramsey Sutton Thorne Upton Vaughn Walker Yates Zeller"
)
BULK_LEADS_SQL = """
INSERT INTO leads (id, first_name, last_name, email, phone, source, status,
                   created_at, updated_at, version)
SELECT gen_random_uuid(), f[1 + g %% 20], l[1 + (g / 20) %% 25], 'bulk' || g || '@example.com',
       '555-' || lpad((g %% 10000000)::text, 7, '0'),
       (ARRAY['facebook', 'google', 'referral', 'webinar', 'organic'])[1 + g %% 5],
       (ARRAY['NEW', 'CONTACTED', 'QUALIFIED'])[1 + g %% 3], t, t, 1
FROM generate_series(1, %(n)s) AS g,
     string_to_array(%(first)s, ' ') AS f, string_to_array(%(last)s, ' ') AS l,
     LATERAL (SELECT now() - make_interval(secs => g * %(step)s) AS t) AS moment
"""


class SkipStepError(Exception):
    """This step cannot be driven on this version of the app (the message says why)."""


def paint_queue_kind() -> tuple[type[QObject], ...]:
    """The Charts tab's paint queue, once the app has imported it: importing it here would
    import pyqtgraph before the tour and hide what the first opening of Charts costs."""
    module = sys.modules.get("portal_desktop.views.charts.paint_queue")
    return (module.PaintQueue,) if module is not None else ()


# --- the heartbeat ----------------------------------------------------------------------


class Heartbeat(QObject):
    """Ticks every ``interval_ms`` on the thread it lives on; notes the longest gap."""

    def __init__(self, interval_ms: int = TICK_MS) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.reset()

    def start(self) -> None:
        self.reset()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def longest_ms(self) -> float:
        """The longest gap since ``reset()``, the one still open included."""
        return max(self.longest, time.perf_counter() - self.last) * 1000


class StallSampler:
    """``--stalls``: while the UI thread has not ticked for ``after_ms``, a thread samples its
    stack every 2 ms; :meth:`take` names where the stalled time went (our innermost frame and
    the innermost frame of all), most samples first."""

    def __init__(self, heartbeat: Heartbeat, after_ms: float = 40.0) -> None:
        self.heartbeat, self.after = heartbeat, after_ms / 1000
        self.main = threading.main_thread().ident
        self.samples: collections.Counter[str] = collections.Counter()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(0.002)
            if time.perf_counter() - self.heartbeat.last < self.after:
                continue
            frame = sys._current_frames().get(self.main)
            stack = traceback.extract_stack(frame) if frame is not None else []
            ours = [f for f in stack if "portal_desktop" in f.filename]
            where = [*dict.fromkeys([ours[0], ours[-1]])] if ours else []
            where += stack[-1:]
            self.samples[
                " | ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in where)
            ] += 1

    def take(self, top: int = 6) -> list[str]:
        found = [f"{count * 2:5d} ms  {where}" for where, count in self.samples.most_common(top)]
        self.samples.clear()
        return found


# --- the database -----------------------------------------------------------------------


def cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal_desktop.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"portal-desktop {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout


@dataclass
class Database:
    url: str
    password: str
    word: str  # what the search step types: the start of a bulk lead's last name
    timings: dict[str, float] = field(default_factory=dict)


def load(cluster: PgCluster, leads: int) -> Database:
    """Migrate, seed the demo, add the bulk leads, rebuild the rollups: seconds of each."""
    timings: dict[str, float] = {}
    with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = cluster.url(DATABASE)
    started = time.perf_counter()
    cli("db", "upgrade", "--url", url)
    timings["migrate"] = time.perf_counter() - started
    started = time.perf_counter()
    demo = min(leads, DEMO_LEADS)
    seeded = cli("seed", "--demo", "--leads", str(demo), "--url", url)
    found = re.search(r'password "([^"]+)"', seeded)
    if found is None:
        raise SystemExit(f"`seed --demo` did not name the demo password:\n{seeded}")
    timings[f"demo seed ({demo:,} leads)"] = time.perf_counter() - started
    started = time.perf_counter()
    bulk = leads - demo
    if bulk:
        with psycopg.connect(url) as conn:
            params = {"n": bulk, "first": FIRST_NAMES, "last": LAST_NAMES}
            conn.execute(BULK_LEADS_SQL, params | {"step": 365 * 86400 / bulk})
        timings[f"bulk insert ({bulk:,} leads)"] = time.perf_counter() - started
        started = time.perf_counter()
        rebuild_rollups(url)
        timings["rollups"] = time.perf_counter() - started
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum analyze"] = time.perf_counter() - started
    return Database(url, found.group(1), LAST_NAMES.split()[-3][:4], timings)


def rebuild_rollups(url: str) -> None:
    """The daily facts of the bulk leads' days, now rather than in the tour's first report."""
    from sqlalchemy.orm import Session

    engine = make_engine(url)
    with Session(engine) as session:
        refresh_rollups(session)
    engine.dispose()


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[PgCluster]:
    bin_dir = find_server_binaries()
    if bin_dir is None:
        raise SystemExit(INSTALL_HINT)
    cluster = PgCluster.start(bin_dir)
    try:
        yield cluster
    finally:
        cluster.stop()


# --- driving the window -----------------------------------------------------------------


@dataclass
class Step:
    name: str
    act: Callable[[], Callable[[], bool] | None]  # the action; returns "is it done?"
    prepare: Callable[[], None] | None = None  # before the measure (selecting a row…)


@dataclass
class Measure:
    stall_ms: float = 0.0
    wall_ms: float = 0.0
    note: str = ""  # "skipped: …", "error: …", "not settled after 60 s"


class Tour:
    """One window signed in as the demo admin, and the steps of the tour over it."""

    def __init__(self, app: QApplication, ctx: Any, word: str, profile: str = "") -> None:
        self.app, self.ctx, self.word = app, ctx, word
        self.profile = profile  # steps whose name holds it are profiled (cProfile, stderr)
        self.heartbeat = Heartbeat()
        self.sampler: StallSampler | None = None
        self.window: Any = None
        self.dialog: QDialog | None = None
        self.unexpected: list[str] = []
        self.guard = QTimer()  # closes message boxes a step did not expect (nested loops)
        self.guard.timeout.connect(self._close_message_boxes)
        self.guard.start(50)

    # --- waiting ---------------------------------------------------------------------

    def idle(self) -> bool:
        return not self.busy_with()

    def busy_with(self) -> str:
        """What keeps the step from settling, in a few words ("" when idle)."""
        threads = QThreadPool.globalInstance().activeThreadCount()
        if threads:
            return f"{threads} global-pool thread(s) running"
        roots = [self.window, *self.dialogs()] if self.window is not None else []
        for root in roots:
            # The list models, and the runners and paint queues of tabs that load in their
            # own threads (the Charts tab), say when they are busy.
            kinds = BUSY_KINDS + paint_queue_kind()
            busy_ones = [child for kind in kinds for child in root.findChildren(kind)]
            for model in busy_ones:
                busy = getattr(model, "busy", False)
                if (busy() if callable(busy) else busy) is True:
                    return f"{type(model).__name__} {model.objectName() or ''} busy".strip()
        return ""

    def settle(
        self, done: Callable[[], bool] | None = None, timeout: float = STEP_TIMEOUT_S
    ) -> float | None:
        """Run the event loop until ``done`` and idle for QUIET_S: the perf_counter() at
        which it became so; None when ``timeout`` passed first. A pass of the loop that
        blocked (a page read during a paint) ends the quiet time."""
        started = now = time.perf_counter()
        quiet_since: float | None = None
        while True:
            # Asleep until an event comes (the heartbeat wakes it every 5 ms), not spinning:
            # a spinning UI thread would take one of the two cores from the workers.
            self.app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            before, now = now, time.perf_counter()
            if now - before > BLOCKED_S:
                quiet_since = None
            elif (done is None or done()) and self.idle():
                quiet_since = quiet_since or now
                if now - quiet_since >= QUIET_S:
                    return quiet_since
            else:
                quiet_since = None
            if now - started > timeout:
                return None
            if TRACE and int(now - started) != int(before - started):
                print(f"    … {now - started:.0f} s: {self.busy_with() or 'idle'}", flush=True)
                if int(now - started) == 5:  # still waiting: where every thread is
                    for ident, frame in sys._current_frames().items():
                        print(f"--- thread {ident}")
                        traceback.print_stack(frame, file=sys.stdout)

    def measure(self, step: Step) -> Measure:
        try:
            if step.prepare is not None:
                step.prepare()
            self.settle()
            self.heartbeat.reset()
            if self.sampler is not None:
                self.sampler.take()  # what came before the step is not the step's
            started = time.perf_counter()
            with self.profiled(step.name):
                settled = self.settle(step.act())
        except SkipStepError as why:
            self.settle()
            return Measure(note=f"skipped: {why}")
        except Exception as exc:  # the tour goes on; the table says what broke
            self.settle()
            return Measure(note=f"error: {type(exc).__name__}: {exc}")
        stall = self.heartbeat.longest_ms()
        wall = ((settled or time.perf_counter()) - started) * 1000
        waiting = f"not settled after {STEP_TIMEOUT_S:.0f} s ({self.busy_with()})"
        notes = [] if settled else [waiting]
        if self.unexpected:
            notes.append(f"message box: {' / '.join(self.unexpected)}")
            self.unexpected.clear()
        return Measure(stall, wall, "; ".join(notes))

    @contextlib.contextmanager
    def profiled(self, name: str) -> Iterator[None]:
        if not self.profile or self.profile not in name:
            yield
            return
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()
            print(f"--- profile of {name!r} (UI thread), by cumulative time", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)

    def _close_message_boxes(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                self.unexpected.append(widget.text()[:80])
                widget.reject()

    # --- the steps -------------------------------------------------------------------

    def steps(self) -> list[Step]:
        """The steps after the window is built (they name its tabs)."""
        steps = [Step("baseline (the UI thread idle 1 s)", self.idle_second)]
        tabs = self.window.tabs
        for number in range(1, tabs.count()):
            title = tabs.tabText(number).replace("&", "")
            steps.append(Step(f"open tab {title}", lambda n=number: self.open_tab(n)))
        steps += [
            Step(f"back to tab {tabs.tabText(0)}", lambda: self.open_tab(0)),
            Step("scroll to the last lead (Ctrl+End)", self.scroll_to_end, self.focus_leads),
            Step(f"search '{self.word}'", lambda: self.type_search(self.word)),
            Step("clear the search", lambda: self.type_search("")),
            Step("sort: click the Name header", self.sort_by_name),
            Step("open a lead's detail (click a row)", self.click_first_lead),
            Step("edit the lead: open the dialog (Enter)", self.edit_lead),
            Step("edit the lead: Save", self.save_dialog, prepare=self.write_note),
            Step("sales calls: new call dialog (Ctrl+N)", self.new_call),
            Step("record a payment: open the dialog", self.pay, prepare=self.pick_installment),
            Step("record a payment: Save", self.save_dialog),
        ]
        return steps

    def keys(self) -> list[str]:
        keys = self.window.tab_keys
        return list(keys() if callable(keys) else keys)

    def idle_second(self) -> Callable[[], bool]:
        until = time.perf_counter() + 1.0
        return lambda: time.perf_counter() >= until

    def build_window(self) -> None:
        started = time.perf_counter()
        self.window = MainWindow(self.ctx)
        built = time.perf_counter()
        self.window.show()
        if TRACE:
            shown = time.perf_counter()
            self.app.processEvents()
            print(
                f"    built {1000 * (built - started):.0f} ms, shown "
                f"{1000 * (shown - built):.0f} ms, first pass "
                f"{1000 * (time.perf_counter() - shown):.0f} ms"
            )

    def sign_out(self) -> None:
        """Close and free the window now (the app's sign-out), and its context's engine."""
        self.close_dialogs()
        self.window.close()
        self.window.deleteLater()
        # Outside exec() deferred deletes wait forever: the old window's tabs would stay
        # subscribed and slow the next run's writes.
        self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
        self.window = None
        self.ctx.engine.dispose()

    def open_tab(self, number: int) -> None:
        self.window.tabs.setCurrentIndex(number)

    def tab(self, key: str) -> QWidget:
        if key not in self.keys():
            raise SkipStepError(f"the window has no {key} tab")
        return self.window.tab(key)

    def biggest_table(self, key: str) -> QTableView:
        views = [v for v in self.tab(key).findChildren(QTableView) if v.model() is not None]
        if not views:
            raise SkipStepError(f"the {key} tab has no table")
        return max(views, key=lambda view: view.model().rowCount())

    def show_tab(self, key: str) -> QWidget:
        tab = self.tab(key)
        self.open_tab(self.keys().index(key))
        return tab

    def leads_view(self) -> QTableView:
        self.show_tab("pipeline")
        return self.biggest_table("pipeline")

    def focus_leads(self) -> None:
        """The user clicks into the list first: the keys go to the focused widget."""
        self.window.activateWindow()
        self.leads_view().setFocus()

    def scroll_to_end(self) -> Callable[[], bool]:
        view = self.leads_view()
        QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        last = view.model().rowCount() - 1
        return lambda: view.rowAt(view.viewport().height() - 2) == last

    def type_search(self, word: str) -> Callable[[], bool]:
        boxes = [b for b in self.tab("pipeline").findChildren(QLineEdit, "search") if b.isVisible()]
        if not boxes:
            raise SkipStepError("no visible QLineEdit named 'search' in the pipeline tab")
        changed = changes(self.leads_view().model())
        if word:
            QTest.keyClicks(boxes[0], word)
        else:
            boxes[0].clear()
        return changed  # the search waits for the typing to pause: done when the rows change

    def sort_by_name(self) -> Callable[[], bool]:
        view = self.leads_view()
        model, header = view.model(), view.horizontalHeader()
        titles = column_titles(model)
        if "Name" not in titles:
            raise SkipStepError(f"no Name column among {titles}")
        column = titles.index("Name")
        x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
        changed = changes(model)
        QTest.mouseClick(
            header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
        )
        return changed

    def click_row(self, view: QTableView, row: int) -> None:
        index = view.model().index(row, 0)
        view.scrollTo(index)
        rect = view.visualRect(index)
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    def click_first_lead(self) -> None:
        view = self.leads_view()
        view.scrollToTop()
        self.click_row(view, 0)

    def dialogs(self) -> list[QDialog]:
        return [
            w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()
        ]

    def expect_dialog(self, open_it: Callable[[], None]) -> Callable[[], bool]:
        before = set(map(id, self.dialogs()))
        self.dialog = None
        open_it()

        def opened() -> bool:
            new = [d for d in self.dialogs() if id(d) not in before]
            self.dialog = new[0] if new else None
            return self.dialog is not None

        return opened

    def hook(self, key: str, name: str) -> Callable[[], None]:
        action = getattr(self.tab(key), name, None)
        if not callable(action):
            raise SkipStepError(f"the {key} tab has no {name}()")
        return action

    def edit_lead(self) -> Callable[[], bool]:
        return self.expect_dialog(self.hook("pipeline", "open_selected"))

    def write_note(self) -> None:
        notes = self.dialog.findChild(QPlainTextEdit, "notes") if self.dialog else None
        if notes is not None:
            notes.setPlainText(f"ui stall bench {time.time():.0f}")

    def save_dialog(self) -> Callable[[], bool]:
        dialog = self.dialog
        if dialog is None or not dialog.isVisible():
            raise SkipStepError("the dialog did not open")
        button = save_button(dialog)
        if button is None or not button.isEnabled():
            dialog.reject()
            raise SkipStepError("the dialog has no enabled Save button")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        return lambda: not shiboken6.isValid(dialog) or not dialog.isVisible()

    def new_call(self) -> Callable[[], bool]:
        self.show_tab("sales_calls")
        return self.expect_dialog(self.hook("sales_calls", "new_record"))

    def pick_installment(self) -> None:
        self.close_dialogs()
        self.show_tab("payment_schedules")
        view = self.biggest_table("payment_schedules")
        model = view.model()
        titles = column_titles(model)
        if "Status" not in titles:
            raise SkipStepError(f"no Status column among {titles}")
        status = titles.index("Status")
        for row in range(min(model.rowCount(), 200)):
            text = str(model.index(row, status).data() or "").strip().lower()
            if text in ("pending", "overdue"):
                self.click_row(view, row)
                return
        raise SkipStepError("no pending or overdue installment on the list's first page")

    def pay(self) -> Callable[[], bool]:
        tab = self.tab("payment_schedules")
        button = tab.findChild(QPushButton, "action_pay")
        if button is not None and button.isVisible() and button.isEnabled():
            return self.expect_dialog(lambda: QTest.mouseClick(button, Qt.MouseButton.LeftButton))
        return self.expect_dialog(self.hook("payment_schedules", "open_selected"))

    def close_dialogs(self) -> None:
        for dialog in self.dialogs():
            dialog.reject()
        self.settle()


def column_titles(model: QAbstractItemModel) -> list[Any]:
    return [model.headerData(n, Qt.Orientation.Horizontal) for n in range(model.columnCount())]


def changes(model: QAbstractItemModel) -> Callable[[], bool]:
    """Whether the model announced a change of its rows since this call."""
    seen: list[bool] = []
    signals = (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved)
    for signal in (*signals, model.dataChanged):
        signal.connect(lambda *_: seen.append(True))
    return lambda: bool(seen)


def save_button(dialog: QDialog) -> QAbstractButton | None:
    for box in dialog.findChildren(QDialogButtonBox):
        button = box.button(QDialogButtonBox.StandardButton.Save)
        if button is not None and button.isVisible():
            return button
    for button in dialog.findChildren(QPushButton):
        if button.isVisible() and button.text().replace("&", "") in ("Save", "OK", "Finish"):
            return button
    return None


# --- the run ----------------------------------------------------------------------------


def signed_in_context(url: str, password: str) -> Any:
    """The TabContext the app makes after the demo admin signs in."""
    from sqlalchemy.orm import Session

    engine = make_engine(url)
    with Session(engine) as session:
        actor = authenticate(session, "admin", password)
    return TabContext(engine, session_factory(engine), actor, load_formatter(engine), DataBus())


def tour(
    app: QApplication,
    url: str,
    password: str,
    word: str,
    runs: int,
    profile: str = "",
    stalls: bool = False,
) -> dict[str, list]:
    """{step: [Measure per run]}; each run signs in afresh: a new context and window."""
    driver = Tour(app, None, word, profile)
    driver.heartbeat.start()
    sampler = driver.sampler = StallSampler(driver.heartbeat) if stalls else None
    found: dict[str, list[Measure]] = {}
    sign_in = Step("sign-in: build and show the window", driver.build_window)

    def note(run: int, step: Step, measure: Measure) -> None:
        found.setdefault(step.name, []).append(measure)
        print(f"  run {run + 1}: {step.name:<45}{row_text(measure)}", flush=True)
        for line in sampler.take() if sampler is not None else ():
            print(f"      {line}")

    for run in range(runs):
        # A first sign-in each run: no widths or sort order remembered from the last one.
        QCoreApplication.setOrganizationName(f"PortalUiStallBench{run}")
        driver.ctx = signed_in_context(url, password)
        note(run, sign_in, driver.measure(sign_in))
        for step in driver.steps():
            note(run, step, driver.measure(step))
        driver.sign_out()
    driver.heartbeat.stop()
    return found


def row_text(measure: Measure) -> str:
    if measure.note.startswith(("skipped", "error")):
        return measure.note
    return f"{measure.stall_ms:>9.1f} ms{measure.wall_ms:>10.0f} ms  {measure.note}".rstrip()


def report(found: dict[str, list[Measure]]) -> bool:
    print(f"\n{'step':<45}{'longest stall':>14}{'wall time':>12}")
    worst = 0.0
    for name, measures in found.items():
        kept = [m for m in measures if not m.note.startswith(("skipped", "error"))]
        if not kept:
            print(f"{name:<45}{measures[0].note}")
            continue
        stall = max(m.stall_ms for m in kept)
        wall = statistics.median(m.wall_ms for m in kept)
        notes = "; ".join(sorted({m.note for m in measures if m.note}))
        print(f"{name:<45}{stall:>11.1f} ms{wall:>9.0f} ms  {notes}".rstrip())
        if not name.startswith("baseline"):
            worst = max(worst, stall)
    passed = worst <= FLOOR_MS
    verdict = "PASS" if passed else "FAIL"
    print(f"\nlongest UI-thread stall: {worst:.0f} ms (floor {FLOOR_MS:.0f} ms) — {verdict}")
    return passed


def quiet_offscreen_notes(mode: Any, context: Any, message: str) -> None:
    """Qt's messages on stderr, but the offscreen plugin's note on every dialog shown."""
    if "does not support propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="added round trip (half each way)"
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--profile", default="", metavar="TEXT", help="profile the steps whose name holds TEXT"
    )
    parser.add_argument(
        "--stalls", action="store_true", help="say where the UI thread's stalled time went"
    )
    args = parser.parse_args(argv)
    if args.leads < 1 or args.runs < 1 or args.latency_ms < 0:
        parser.error("--leads and --runs must be at least 1, --latency-ms at least 0")
    app = application()  # named, styled and with the style sheet, as the app starts
    warm_up()  # as the launcher does behind its first dialog
    qInstallMessageHandler(quiet_offscreen_notes)
    settings = tempfile.TemporaryDirectory(prefix="ui-stall-settings-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings.name)
    started = time.perf_counter()
    with throwaway_cluster() as cluster:
        database = load(cluster, args.leads)
        print(f"loaded {args.leads:,} leads in {time.perf_counter() - started:.0f} s (", end="")
        print(", ".join(f"{k} {v:.1f} s" for k, v in database.timings.items()) + ")")
        with LatencyProxy(("127.0.0.1", cluster.port), args.latency_ms) as proxy:
            url = database.url.replace(f":{cluster.port}/", f":{proxy.port}/")
            print(
                f"PostgreSQL behind a {args.latency_ms:g} ms round-trip proxy "
                f"({args.latency_ms / 2:g} ms each way), {args.runs} run(s)",
                flush=True,
            )
            found = tour(
                app,
                url,
                database.password,
                database.word,
                args.runs,
                args.profile,
                args.stalls,
            )
            print(f"the app opened {proxy.connections} connection(s) through the proxy")
    passed = report(found)
    print(f"the bench took {time.perf_counter() - started:.0f} s")
    settings.cleanup()
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
