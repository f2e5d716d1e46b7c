"""What a user record must be before it is written: a username of allowed characters (stored
in lower case), a role, a team member with no other login; that the installation keeps an
active administrator; and the messages for a race lost to another user at flush time."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal_desktop.errors import NotFoundError, ValidationError
from portal_desktop.models import TeamMember, User
from portal_desktop.models.enums import UserRole
from portal_desktop.services.common.fields import clean_text

_USERNAME = re.compile(r"[a-z0-9._-]{3,80}", re.ASCII)


def clean_username(value: object) -> str:
    text = clean_text("username", value, max_length=80, required=True)
    assert text is not None
    name = text.lower()
    if not _USERNAME.fullmatch(name):
        raise ValidationError(
            "username",
            f"'{text}' is not allowed; use 3 to 80 letters, digits, dots, dashes or "
            "underscores (no spaces)",
        )
    return name


def parse_role(value: object) -> UserRole:
    try:
        return UserRole(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(r.value for r in UserRole)
        raise ValidationError("role", f"'{value}' is not a role; use one of {choices}") from None


def check_team_member(session: Session, member_id: object, user: User | None) -> uuid.UUID | None:
    if member_id is None:
        return None
    if not isinstance(member_id, uuid.UUID):
        raise ValidationError("team_member_id", "expected a team member's id")
    if session.get(TeamMember, member_id) is None:
        raise ValidationError("team_member_id", "no such team member; choose one from the list")
    holder = session.scalar(select(User).where(User.team_member_id == member_id))
    if holder is not None and holder is not user:
        raise ValidationError(
            "team_member_id",
            f"this team member already signs in as '{holder.username}'; "
            "a team member has one login",
        )
    return member_id


def user_for_sign_in(session: Session, username: object) -> User | None:
    """The user of a sign-in attempt, locked until the attempt commits, so that attempts in
    parallel count one after another. SQLite has no row locks: a no-op write takes the
    file's write lock first (for an unknown name too), or parallel attempts would each read
    the same count and all but one fail to save theirs."""
    name = str(username).strip().lower()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(User)
            .where(User.username == name)
            .values(failed_logins=User.failed_logins)
            .execution_options(synchronize_session=False)
        )
    return session.scalar(
        select(User)
        .where(User.username == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def locked_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFoundError(f"No user with id {user_id}; reload the list of users.")
    return user


def ensure_another_active_admin(session: Session, user: User, field: str, doing: str) -> None:
    """Refuse to leave the installation without an active administrator."""
    if user.role != UserRole.ADMIN or not user.active:
        return
    others = session.scalars(
        select(User.id)
        .where(User.role == UserRole.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise ValidationError(
            field,
            f"cannot {doing} '{user.username}': it is the last active administrator; "
            "make another user an administrator first",
        )


def flush_user(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        message = str(exc.orig)
        if "username" in message:
            raise ValidationError(
                "username", "is already taken (someone just created it); choose another"
            ) from None
        if "team_member_id" in message:
            raise ValidationError(
                "team_member_id", "was just given a login by someone else; reload and check"
            ) from None
        raise
