"""Benchmark: a replica's first copy (services/sync/snapshot.take_snapshot) of a seeded server.

    python bench/snapshot_bench.py [--leads 200000] [--tries 2]

A throw-away PostgreSQL cluster (tests/pg_cluster.py) is seeded with ``--leads`` leads and
what follows from them (calls, students, enrollments, payments, installments), then copied
into a fresh replica file ``--tries`` times. Prints the rows copied, the median time, rows
per second and the replica's size. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from portal_desktop.db import migrate  # noqa: E402
from portal_desktop.db.engine import make_engine  # noqa: E402
from portal_desktop.services.seeding import seed_database  # noqa: E402
from portal_desktop.services.sync.snapshot import take_snapshot  # noqa: E402
from tests.pg_cluster import INSTALL_HINT, PgCluster, find_server_binaries  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--tries", type=int, default=2)
    args = parser.parse_args(argv)
    bin_dir = find_server_binaries()
    if bin_dir is None:
        raise SystemExit(INSTALL_HINT)
    cluster = PgCluster.start(bin_dir)
    try:
        with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE snapshot_bench")
        server = make_engine(cluster.url("snapshot_bench"))
        migrate.upgrade(server)
        started = time.perf_counter()
        seed_database(server, leads=args.leads)
        print(f"seeded {args.leads:,} leads in {time.perf_counter() - started:.0f} s")
        times: list[float] = []
        done = [0]
        with tempfile.TemporaryDirectory() as folder:
            for attempt in range(args.tries):
                path = Path(folder) / f"replica{attempt}.sqlite3"
                started = time.perf_counter()
                replica = take_snapshot(
                    server,
                    path,
                    login="postgres",
                    person_id=None,
                    progress=lambda d, _t: done.__setitem__(0, d),  # the rows copied
                )
                times.append(time.perf_counter() - started)
                replica.dispose()
                size = path.stat().st_size / 1e6
                print(f"  try {attempt + 1}: {times[-1]:6.1f} s  {done[0]:,} rows  {size:,.0f} MB")
        rows = done[0]
        median = statistics.median(times)
        print(f"snapshot median {median:.1f} s for {rows:,} rows ({rows / median:,.0f} rows/s)")
        server.dispose()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
