"""Benchmark: importing 100,000 leads from a CSV file against a raw bulk load of the same rows.

    python bench/import_bench.py [--leads 100000] [--backend postgresql|sqlite|both]
                                 [--url postgresql://user@host/admin_db] [--tries 3]

A realistic leads file is written once (names with accents, phones in several formats,
sources, campaigns, signup times, statuses). Each try imports it into a fresh, migrated
database the way the app does — stream the file: decode, split, guess the columns, check
every row (emails, phones, dates, statuses), look the emails up for duplicates, write —
with ``import_leads`` in one transaction, and times it end to end. The rows it wrote are
then read back and, in each try, loaded into another fresh database with the plainest bulk
statement (PostgreSQL: binary ``COPY … FROM STDIN`` of the exported data; SQLite:
``executemany`` of one INSERT in one transaction), timing only the load. Import and
baseline tries alternate, so a busy machine slows both alike. Prints the medians and their
ratio; the floors are 3x on PostgreSQL and 2x on SQLite, and the exit status is 1 when a
backend misses its floor.

Each import runs in a child process of its own (``--child URL FILE``), which reports its
peak memory (VmHWM: interpreter, libraries and the import together); the
bench prints the largest, and also exits with 1 when it is above 300 MB. That peak does not
grow with the file (what is remembered per email is on the disk): compare ``--leads 1000000``
with ``--leads 3000000``.

Without ``--url`` a throw-away PostgreSQL cluster is started (tests/pg_cluster.py).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from seed_bench import PostgresTarget, SqliteTarget, postgres_admin_url  # noqa: E402

from portal_desktop.db.engine import make_engine, session_factory  # noqa: E402
from portal_desktop.services.common.context import SYSTEM  # noqa: E402
from portal_desktop.services.files.import_files import read_table  # noqa: E402
from portal_desktop.services.files.lead_import import import_leads  # noqa: E402
from portal_desktop.services.files.lead_mapping import guess_mapping  # noqa: E402

FLOORS = {"postgresql": 3.0, "sqlite": 2.0}
MAX_MB = 300
COLUMNS = (
    "id, first_name, last_name, email, phone, source, campaign, medium, status, lost_reason, "
    "ad_campaign_id, notes, created_at, updated_at, version"
)
FIRST = ("Ann", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Grace", "Hiro", "Inès", "Jon", "Zoë")
LAST = ("Lee", "Smith", "García", "Ivanov", "Brown", "Khan", "Moore", "Tanaka", "Müller", "Ng")
SOURCES = ("facebook", "google", "instagram", "youtube", "organic", "referral", "webinar")
CAMPAIGNS = ("Spring Webinar", "Summer Challenge", "Retargeting - Warm", "Brand Search", "")
STATUSES = ("NEW", "NEW", "NEW", "CONTACTED", "QUALIFIED", "New", "")


def write_leads_file(path: Path, leads: int, seed: int) -> None:
    """A comma-separated UTF-8 file with a BOM, as a CRM or a form tool exports it."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, 8)
    step = max(365 * 24 * 3600 // max(leads, 1), 1)  # a year of signups, never in the future
    lines = ["First name,Last name,Email,Phone,utm_source,utm_campaign,utm_medium,"
             "Signup date,Status"]  # fmt: skip
    for n in range(leads):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        digits = f"{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        phone = rng.choice(
            (
                f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
                f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}",
                f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
                "",
            )
        )
        signup = start + dt.timedelta(seconds=step * n + rng.randint(0, step - 1))
        plain = unicodedata.normalize("NFKD", f"{first}.{last}".lower()).encode("ascii", "ignore")
        email = f"{plain.decode()}{n}@example.com"
        lines.append(
            ",".join(
                (
                    first,
                    last,
                    email,
                    phone,
                    rng.choice(SOURCES),
                    rng.choice(CAMPAIGNS),
                    "cpc",
                    signup.strftime("%Y-%m-%d %H:%M:%S"),
                    rng.choice(STATUSES),
                )
            )
        )
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))


def import_file(url: str, path: Path) -> tuple[float, int]:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        table = read_table(path)
        with session_factory(engine)() as session:
            report = import_leads(session, SYSTEM, table, guess_mapping(table.header))
        return time.perf_counter() - started, report.created
    finally:
        engine.dispose()


def peak_mb() -> float:
    """This process's peak resident memory so far. Linux: VmHWM of /proc/self/status, the
    peak of this program's own memory (getrusage's maxrss would also count the bench
    process's memory before the exec). Elsewhere maxrss (macOS reports bytes)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def import_in_child(url: str, path: Path) -> tuple[float, int, float]:
    """``import_file`` in a fresh process: its seconds, leads written and peak memory (MB)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["created"], result["peak_mb"]


def child(url: str, path: str) -> int:
    seconds, created = import_file(url, Path(path))
    print(json.dumps({"seconds": seconds, "created": created, "peak_mb": peak_mb()}))
    return 0


def export_rows(target: PostgresTarget | SqliteTarget, url: str) -> object:
    if isinstance(target, PostgresTarget):
        with psycopg.connect(url) as conn:
            sql = f"COPY leads ({COLUMNS}) TO STDOUT (FORMAT BINARY)"
            with conn.cursor().copy(sql) as copy:
                return [bytes(block) for block in copy]
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(f"SELECT {COLUMNS} FROM leads").fetchall()


def load_rows(target: PostgresTarget | SqliteTarget, url: str, data: object) -> float:
    if isinstance(target, PostgresTarget):
        with psycopg.connect(url) as conn:
            started = time.perf_counter()
            with conn.cursor().copy(f"COPY leads ({COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                for block in data:  # type: ignore[attr-defined]
                    copy.write(block)
            conn.commit()
            return time.perf_counter() - started
    engine = make_engine(url)  # the app's connection settings (WAL, synchronous NORMAL…)
    raw = engine.raw_connection()
    try:
        marks = ", ".join("?" for _ in COLUMNS.split(","))
        started = time.perf_counter()
        raw.cursor().executemany(f"INSERT INTO leads ({COLUMNS}) VALUES ({marks})", data)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()


def count(target: PostgresTarget | SqliteTarget, url: str) -> int:
    return target.count(url)["leads"]


def run_backend(
    name: str, target: PostgresTarget | SqliteTarget, path: Path, tries: int
) -> tuple[float, float]:
    """The ratio import / baseline and the import's peak memory in MB."""
    imports: list[float] = []
    peaks: list[float] = []
    loads: list[float] = []
    data = None
    written = 0
    for attempt in range(1, tries + 1):
        url = target.fresh()
        seconds, written, peak = import_in_child(url, path)
        imports.append(seconds)
        peaks.append(peak)
        print(f"  try {attempt}: import   {seconds:8.2f} s, peak {peak:,.0f} MB", flush=True)
        if data is None:
            data = export_rows(target, url)
        target.drop(url)
        url = target.fresh()
        seconds = load_rows(target, url, data)
        if count(target, url) != written:
            raise SystemExit(f"the baseline loaded {count(target, url)}, the import {written}")
        target.drop(url)
        loads.append(seconds)
        print(f"  try {attempt}: baseline {seconds:8.2f} s", flush=True)
    imported, baseline = statistics.median(imports), statistics.median(loads)
    ratio = imported / baseline
    floor = FLOORS[name]
    verdict = "OK" if ratio <= floor else "ABOVE THE FLOOR"
    raw = "binary COPY" if name == "postgresql" else "executemany"
    print(f"{name}: {written:,} leads")
    print(f"  import_leads from CSV, median  {imported:8.2f} s  ({written / imported:,.0f} rows/s)")
    print(f"  raw {raw}, median{' ' * (22 - len(raw))}{baseline:8.2f} s  "
          f"({written / baseline:,.0f} rows/s)")  # fmt: skip
    print(f"  ratio import / baseline        {ratio:8.2f}x  (floor {floor:.0f}x: {verdict})")
    peak = max(peaks)
    verdict = "OK" if peak <= MAX_MB else "ABOVE THE LIMIT"
    print(f"  peak memory of the import      {peak:8.0f} MB  (limit {MAX_MB} MB: {verdict})")
    return ratio, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--url", help="PostgreSQL admin URL (may CREATE DATABASE); default: "
                        "a throw-away cluster")  # fmt: skip
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="importbench-") as folder:
        path = Path(folder) / "leads.csv"
        write_leads_file(path, args.leads, args.seed)
        size = path.stat().st_size / 1e6
        print(f"import benchmark: {args.leads:,} leads ({size:.1f} MB), {args.tries} tries",
              flush=True)  # fmt: skip
        if args.backend in ("postgresql", "both"):
            with postgres_admin_url(args.url) as admin_url, PostgresTarget(admin_url) as target:
                print("postgresql:", flush=True)
                results["postgresql"] = run_backend("postgresql", target, path, args.tries)
        if args.backend in ("sqlite", "both"):
            with SqliteTarget(Path(folder)) as target:
                print("sqlite:", flush=True)
                results["sqlite"] = run_backend("sqlite", target, path, args.tries)
    ok = all(ratio <= FLOORS[name] and peak <= MAX_MB for name, (ratio, peak) in results.items())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
