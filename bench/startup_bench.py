"""Cold start: process start to the painted sign-in dialog, against a bare PySide6 window.

    .venv/bin/python bench/startup_bench.py [--runs 11]

Each run starts two fresh processes, in turn: ``python -m portal_desktop`` on an existing
local database (so it goes straight to the sign-in dialog; ``PORTAL_EXIT_WHEN_PAINTED=1``
makes it print the time of the dialog's first paint and quit), and a bare PySide6 process
that creates a QApplication and shows one QWidget, printing the time of its first paint. The
time is from just before the process is started to that paint. Prints the medians and their
ratio; floor: the app within 2x of the bare window. When the installer's bundle has been
built (``make installer``: dist/portal-desktop/), a third process per run starts it the
same way; floor: the bundle within 1.5x of the app from source. Exit code 1 when a floor is
missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = 2.0
BUNDLE_FLOOR = 1.5
BUNDLE = Path(__file__).resolve().parents[1] / "dist" / "portal-desktop" / "portal-desktop"
BARE_WINDOW = """
import sys, time
from PySide6.QtWidgets import QApplication, QWidget

class Window(QWidget):
    def paintEvent(self, event):
        super().paintEvent(event)
        print(f"painted {time.time():.6f}", flush=True)
        QApplication.quit()

app = QApplication(sys.argv[:1])
window = Window()
window.resize(420, 240)
window.show()
app.exec()
"""
# The same app without the command-line parser in front (cli.py imports every command
# module, and with them SQLAlchemy, before it knows no command was given): for diagnosis.
APP_WITHOUT_CLI = (
    "import sys; from portal_desktop.app import run_app; sys.exit(run_app(None, True, None))"
)


def _time_to_paint(command: list[str], env: dict[str, str]) -> float:
    started = time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stdout.splitlines() if line.startswith("painted ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"{command[-1]} did not paint: {result.stderr.strip()}")
    return float(lines[0].split()[1]) - started


def _prepare(data_dir: Path) -> None:
    """A migrated local database, so the app goes straight to the sign-in dialog."""
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "portal_desktop", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="portal-startup-") as tmp:
        data_dir = Path(tmp)
        _prepare(data_dir)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "PORTAL_DATA_DIR": str(data_dir),
            "XDG_CONFIG_HOME": str(data_dir / "config"),
            "PORTAL_EXIT_WHEN_PAINTED": "1",
        }
        app_times: list[float] = []
        bare_times: list[float] = []
        direct_times: list[float] = []
        bundle_times: list[float] = []
        for _ in range(args.runs):
            if BUNDLE.is_file():
                bundle_times.append(_time_to_paint([str(BUNDLE)], env))
            bare_times.append(_time_to_paint([sys.executable, "-c", BARE_WINDOW], env))
            app_times.append(_time_to_paint([sys.executable, "-m", "portal_desktop"], env))
            direct_times.append(_time_to_paint([sys.executable, "-c", APP_WITHOUT_CLI], env))
    app_median = statistics.median(app_times)
    bare_median = statistics.median(bare_times)
    direct_median = statistics.median(direct_times)
    ratio = app_median / bare_median
    print(f"runs: {args.runs} of each, platform {env['QT_QPA_PLATFORM']}")
    print(f"bare PySide6 window, process start to first paint: median {bare_median * 1000:.0f} ms")
    print(f"portal-desktop, process start to painted sign-in:  median {app_median * 1000:.0f} ms")
    print(
        f"  (run_app without the command-line parser: median {direct_median * 1000:.0f} ms, "
        f"{direct_median / bare_median:.2f}x)"
    )
    verdict = "ok" if ratio <= FLOOR else "MISSED"
    print(f"ratio: {ratio:.2f}x (floor {FLOOR:.0f}x: {verdict})")
    ok = ratio <= FLOOR
    if bundle_times:
        bundle_median = statistics.median(bundle_times)
        bundle_ratio = bundle_median / app_median
        ok = ok and bundle_ratio <= BUNDLE_FLOOR
        print(
            f"installer bundle, process start to painted sign-in: median "
            f"{bundle_median * 1000:.0f} ms, {bundle_ratio:.2f}x the app from source "
            f"(floor {BUNDLE_FLOOR}x: {'ok' if bundle_ratio <= BUNDLE_FLOOR else 'MISSED'})"
        )
    else:
        print(f"no installer bundle at {BUNDLE} (make installer): not measured")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
