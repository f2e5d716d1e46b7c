"""Deterministic demo and scale data: ``portal-desktop seed --demo [--leads N]``.

Rows are generated as plain tuples from one seeded ``random.Random`` (no ORM objects) and
written with bulk statements: COPY on PostgreSQL, executemany on SQLite.
"""

from portal_desktop.services.seeding.seeder import (
    DEFAULT_LEADS,
    DEMO_PASSWORD,
    SeedSummary,
    seed_database,
)

__all__ = ["DEFAULT_LEADS", "DEMO_PASSWORD", "SeedSummary", "seed_database"]
