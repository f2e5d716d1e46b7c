"""`portal-desktop users add|set-role|deactivate|link`: people, as the role of the URL.

On a shared PostgreSQL database these change login roles through the owner's functions (an
administrator's URL); on the local file, the app's users. Passwords come from a prompt or
``--password-stdin``, never from the command line.
"""

from __future__ import annotations

import argparse
from typing import Any

from portal_desktop.commands.common import (
    add_url_option,
    command_actor,
    current_session,
    read_password,
)
from portal_desktop.errors import PortalError

ROLES = ("admin", "sales", "marketing")


def _user_id(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from portal_desktop.models import User

    found = session.scalar(select(User.id).where(User.username == username.strip().lower()))
    if found is None:
        raise PortalError(f"no user named '{username}'; see the Admin tab's users")
    return found


def _add(args: argparse.Namespace) -> int:
    from portal_desktop.services.accounts.users import create_user

    password = read_password(args.password_stdin, f"First password for {args.username}: ")
    with current_session(args) as session:
        user = create_user(
            session,
            command_actor(session),
            args.username,
            password,
            args.role,
            full_name=args.full_name,
        )
        print(
            f"Added {user.username} ({user.role.value}); they change the password at first sign-in."
        )
    return 0


def _set_role(args: argparse.Namespace) -> int:
    from portal_desktop.services.accounts.users import set_role

    with current_session(args) as session:
        user = set_role(
            session, command_actor(session), _user_id(session, args.username), args.role
        )
        print(f"{user.username} is now {user.role.value}.")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    from portal_desktop.services.accounts.users import deactivate_user

    with current_session(args) as session:
        user = deactivate_user(session, command_actor(session), _user_id(session, args.username))
        print(f"{user.username} is deactivated: no sign-in, and their sessions were ended.")
    return 0


def _link(args: argparse.Namespace) -> int:
    from portal_desktop.services.accounts.users import link_login

    password = read_password(args.password_stdin, f"First password for {args.username}: ")
    with current_session(args) as session:
        user = link_login(
            session, command_actor(session), _user_id(session, args.username), password
        )
        print(f"{user.username} can now sign in with their own login (first password to change).")
    return 0


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="add users, change their role, deactivate them")
    actions = users.add_subparsers(title="users commands", metavar="ACTION", required=True)
    for name, handler, help_text in (
        ("add", _add, "add a user (a PostgreSQL login on a shared database)"),
        ("set-role", _set_role, "give a user another role"),
        ("deactivate", _deactivate, "end a user's sign-in and sessions"),
        ("link", _link, "give a user of an upgraded shared database a login of their own"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("username")
        add_url_option(action)
        if name in ("add", "set-role"):
            action.add_argument(
                "--role", required=True, type=str.upper, choices=[r.upper() for r in ROLES]
            )
        if name in ("add", "link"):
            action.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the first password from standard input",
            )
        if name == "add":
            action.add_argument("--full-name", default=None)
        action.set_defaults(handler=handler)
