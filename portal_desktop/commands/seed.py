"""`portal-desktop seed --demo [--leads N] [--years N]`: realistic, deterministic demo data."""

from __future__ import annotations

import argparse
from typing import Any

from portal_desktop.commands.common import add_url_option, open_current_database
from portal_desktop.errors import PortalError

# The seeder's limits (services/seeding/clock.py), repeated so that `--help` imports nothing.
MIN_YEARS, MAX_YEARS = 1, 10


def _seed(args: argparse.Namespace) -> int:
    from portal_desktop.db.engine import describe

    if not args.demo:
        raise PortalError("say what to seed: `portal-desktop seed --demo [--leads N] [--years N]`")
    if args.leads < 1:
        raise PortalError(f"--leads must be at least 1 (got {args.leads})")
    if not MIN_YEARS <= args.years <= MAX_YEARS:
        raise PortalError(f"--years must be between {MIN_YEARS} and {MAX_YEARS} (got {args.years})")
    engine = open_current_database(args)
    from portal_desktop.services.seeding import seed_database

    try:
        summary = seed_database(engine, leads=args.leads, seed=args.seed, years=args.years)
    finally:
        engine.dispose()
    print(f"Seeded {describe(engine.url)}:")
    print(summary.describe())
    return 0


def register(commands: Any) -> None:
    seed = commands.add_parser("seed", help="fill a database with realistic demo data")
    add_url_option(seed)
    seed.add_argument("--demo", action="store_true", help="the demo data set")
    seed.add_argument(
        "--leads", type=int, default=2000, help="number of leads; everything else scales with it"
    )
    seed.add_argument(
        "--years",
        type=int,
        default=1,
        help=f"years of data before today ({MIN_YEARS} to {MAX_YEARS}); the leads are spread over"
        " them",
    )
    seed.add_argument("--seed", type=int, default=42, help="random seed (same seed, same rows)")
    seed.set_defaults(handler=_seed)
