"""The command line: `portal-desktop [COMMAND …]`; no command opens the desktop app."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from portal_desktop import __version__
from portal_desktop.commands import registrars
from portal_desktop.commands.common import URL_HELP
from portal_desktop.errors import PortalError

# Top-level options that take a value.
VALUE_OPTIONS = ("--url", "--quit-after")
# The exit status when the reader of stdout went away (`… | head`): what a shell reports for
# a program ended by SIGPIPE (128 + 13), so `set -o pipefail` scripts still see it.
EXIT_BROKEN_PIPE = 141


def _gui(args: argparse.Namespace) -> int:
    if args.self_test:
        from portal_desktop.self_test import run_self_test

        return run_self_test()
    from portal_desktop.app import run_app

    return run_app(url=args.url, seed_demo=not args.no_demo, quit_after_ms=args.quit_after)


def _names_a_command(argv: Sequence[str]) -> bool:
    """Whether the arguments name a sub-command (or ask for help listing them).

    Opening the app is the common case: it skips importing every command module, which
    would cost the cold start the time of importing SQLAlchemy and the services."""
    return any(not arg.startswith("-") or arg in ("-h", "--help") for arg in argv)


def build_parser(with_commands: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-desktop",
        description="Info Product Portal: leads, calls, enrollments, payments and KPIs. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--url", help=URL_HELP)
    parser.add_argument(
        "--no-demo", action="store_true", help="do not fill a new local database with demo data"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation on a temporary database (no display needed) and exit",
    )
    parser.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    parser.set_defaults(handler=_gui)
    if not with_commands:
        return parser
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in registrars():
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Values of options (--url X, --quit-after N) are not commands.
    bare = [a for i, a in enumerate(arguments) if i == 0 or arguments[i - 1] not in VALUE_OPTIONS]
    args = build_parser(with_commands=_names_a_command(bare)).parse_args(arguments)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except PortalError as exc:
        print(f"portal-desktop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("portal-desktop: interrupted; nothing more was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    """After the reader of stdout left: send what Python still flushes at exit to devnull,
    quietly, as other Unix tools do (no message: the reader chose to stop reading)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured by a test)
        pass


if __name__ == "__main__":
    sys.exit(main())
