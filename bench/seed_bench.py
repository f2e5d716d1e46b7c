"""Benchmark: the demo seeder against a raw bulk load of exactly the same rows.

    python bench/seed_bench.py [--leads 1000000] [--backend postgresql|sqlite|both]
                               [--url postgresql://user@host/admin_db] [--tries 3]

For each backend, each try seeds a fresh, migrated database with ``seed_database`` and times
it. The rows of the first seeded database are then exported (PostgreSQL: binary
``COPY … TO STDOUT``; SQLite: ``SELECT``) and, in each try, loaded into another fresh
database with the fastest plain statement (binary ``COPY … FROM STDIN`` table by table;
``executemany`` in one transaction), timing only the load. Seeder and baseline tries
alternate, so a busy machine slows both alike. Prints the medians and their ratio; the floor
is a ratio of at most 3, and the exit status is 1 when a backend misses it.

Without ``--url`` a throw-away PostgreSQL cluster is started (tests/pg_cluster.py).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal_desktop.db import migrate  # noqa: E402
from portal_desktop.db.engine import make_engine  # noqa: E402
from portal_desktop.services.seeding import seed_database  # noqa: E402
from portal_desktop.services.seeding.tables import COLUMNS  # noqa: E402
from tests.pg_cluster import INSTALL_HINT, PgCluster, find_server_binaries  # noqa: E402

FLOOR = 3.0


def _plain_pg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class _Target:
    """Makes fresh migrated databases; a context manager that removes its template."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PostgresTarget(_Target):
    """Fresh databases cloned from a migrated template on one server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = _plain_pg_url(admin_url)
        self.base = self.admin_url.rsplit("/", 1)[0]
        self.template = f"seedbench_tpl_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.template}"')
        engine = make_engine(f"{self.base}/{self.template}")
        migrate.upgrade(engine)
        engine.dispose()

    def _admin(self, sql: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def fresh(self) -> str:
        name = f"seedbench_{uuid.uuid4().hex[:10]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return f"{self.base}/{name}"

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')

    def export(self, url: str) -> dict[str, list[bytes]]:
        data: dict[str, list[bytes]] = {}
        with psycopg.connect(url) as conn:
            for table, columns in COLUMNS.items():
                sql = f"COPY {table} ({', '.join(columns)}) TO STDOUT (FORMAT BINARY)"
                with conn.cursor().copy(sql) as copy:
                    data[table] = [bytes(block) for block in copy]
        return data

    def load(self, url: str, data: dict[str, list[bytes]]) -> float:
        with psycopg.connect(url) as conn:
            cursor = conn.cursor()
            started = time.perf_counter()
            for table, columns in COLUMNS.items():
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                with cursor.copy(sql) as copy:
                    for block in data[table]:
                        copy.write(block)
            conn.commit()
            return time.perf_counter() - started

    def count(self, url: str) -> dict[str, int]:
        with psycopg.connect(url) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COLUMNS}

    def close(self) -> None:
        self.drop(f"{self.base}/{self.template}")


class SqliteTarget(_Target):
    """Fresh database files copied from a migrated template file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.sqlite3"
        engine = make_engine(f"sqlite:///{self.template}")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()

    def fresh(self) -> str:
        path = self.folder / f"seedbench_{uuid.uuid4().hex[:10]}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def export(self, url: str) -> dict[str, list[tuple]]:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return {
                table: conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
                for table, columns in COLUMNS.items()
            }

    def load(self, url: str, data: dict[str, list[tuple]]) -> float:
        # The app's own connection settings (foreign keys on, WAL, synchronous NORMAL).
        engine = make_engine(url)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            started = time.perf_counter()
            for table, columns in COLUMNS.items():
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", data[table]
                )
            raw.commit()
            return time.perf_counter() - started
        finally:
            raw.close()
            engine.dispose()

    def count(self, url: str) -> dict[str, int]:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COLUMNS}

    def close(self) -> None:
        self.drop(f"sqlite:///{self.template}")


def _seed(url: str, leads: int, seed: int, today: dt.date) -> float:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        seed_database(engine, leads=leads, seed=seed, today=today)
        return time.perf_counter() - started
    finally:
        engine.dispose()


def run_backend(
    name: str, target: PostgresTarget | SqliteTarget, args: argparse.Namespace, today: dt.date
) -> float:
    """Alternate seeder and baseline tries; print the medians; return the ratio."""
    seeder_times: list[float] = []
    baseline_times: list[float] = []
    data = None
    expected: dict[str, int] = {}
    for attempt in range(1, args.tries + 1):
        url = target.fresh()
        seconds = _seed(url, args.leads, args.seed, today)
        seeder_times.append(seconds)
        print(f"  try {attempt}: seeder   {seconds:8.2f} s", flush=True)
        if data is None:
            expected = target.count(url)
            data = target.export(url)
        target.drop(url)

        url = target.fresh()
        seconds = target.load(url, data)
        loaded = target.count(url)
        target.drop(url)
        if loaded != expected:
            raise SystemExit(f"the baseline loaded {loaded}, the seeder wrote {expected}")
        baseline_times.append(seconds)
        print(f"  try {attempt}: baseline {seconds:8.2f} s", flush=True)

    seeder, baseline = statistics.median(seeder_times), statistics.median(baseline_times)
    ratio = seeder / baseline
    rows = sum(expected.values())
    verdict = "OK" if ratio <= FLOOR else "ABOVE THE FLOOR"
    print(f"{name}: {rows:,} rows in {len(expected)} tables ({expected['leads']:,} leads)")
    print(f"  seeder (seed_database), median  {seeder:8.2f} s  ({rows / seeder:,.0f} rows/s)")
    print(f"  raw bulk load, median           {baseline:8.2f} s  ({rows / baseline:,.0f} rows/s)")
    print(f"  ratio seeder / baseline         {ratio:8.2f}x  (floor {FLOOR:.0f}x: {verdict})")
    return ratio


@contextmanager
def postgres_admin_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    bin_dir = find_server_binaries()
    if bin_dir is None:
        raise SystemExit(INSTALL_HINT)
    cluster = PgCluster.start(bin_dir)
    try:
        yield cluster.admin_url
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="postgresql")
    parser.add_argument("--url", help="PostgreSQL admin URL (may CREATE DATABASE); default: "
                        "a throw-away cluster")  # fmt: skip
    parser.add_argument("--tries", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    today = dt.date.today()
    print(f"seed benchmark: {args.leads:,} leads, seed {args.seed}, today {today}, "
          f"{args.tries} tries", flush=True)  # fmt: skip
    ratios = {}
    if args.backend in ("postgresql", "both"):
        with postgres_admin_url(args.url) as admin_url, PostgresTarget(admin_url) as target:
            print("postgresql:", flush=True)
            ratios["postgresql"] = run_backend("postgresql", target, args, today)
    if args.backend in ("sqlite", "both"):
        with (
            tempfile.TemporaryDirectory(prefix="seedbench-") as folder,
            SqliteTarget(Path(folder)) as target,
        ):
            print("sqlite:", flush=True)
            ratios["sqlite"] = run_backend("sqlite", target, args, today)
    return 0 if all(r <= FLOOR for r in ratios.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
