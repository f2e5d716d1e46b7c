"""Named connection profiles for a shared PostgreSQL, kept in ``connections.json``.

The file (in the data directory) holds host, port, database, user and SSL settings, and the
name of the profile used last. Never a password: that lives in the OS keyring (db/secrets.py).

A new profile's sslmode is ``verify-full`` when it has a root certificate and ``require``
otherwise (db/tls.py ``default_sslmode``); ``prefer``/``allow``/``disable`` are kept only
when chosen. Files written before format 2 saved the old default ``prefer`` for every profile
whose mode nobody touched, so a choice cannot be told from a default there: such a profile
loads as the new default (``require``, or ``verify-full`` with a root certificate), and the
next save writes format 2. ``allow`` and ``disable`` were never defaults and stay as saved.

``offline`` ("keep a copy on this computer") is false when a file does not have it; an older
version of the app ignores it (unknown keys are skipped), so the format stays 2.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from portal_desktop.db.paths import data_dir
from portal_desktop.db.tls import default_sslmode
from portal_desktop.errors import ValidationError

if TYPE_CHECKING:  # SQLAlchemy is imported when a URL is made, not when the app starts
    from sqlalchemy.engine import URL

PROFILES_FILE = "connections.json"
SSL_MODES = ("verify-full", "verify-ca", "require", "prefer", "allow", "disable")
DEFAULT_PORT = 5432
REPLICAS_DIR = "replicas"
FORMAT = 2  # 2: sslmode "prefer" in the file is a user's choice, not the old default


@dataclass(frozen=True)
class Profile:
    name: str
    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT
    sslmode: str = ""  # empty: the default for the root certificate (default_sslmode)
    sslrootcert: str = ""
    offline: bool = False  # "keep a copy on this computer": work on a replica (docs/sync.md)

    def __post_init__(self) -> None:
        if not self.sslmode:
            object.__setattr__(self, "sslmode", default_sslmode(self.sslrootcert))

    def check(self) -> None:
        """Raise ValidationError naming the first field that cannot work."""
        for name in ("name", "host", "database", "user"):
            if not str(getattr(self, name)).strip():
                raise ValidationError(name, "is required")
        if not 1 <= self.port <= 65535:
            raise ValidationError("port", f"{self.port} is not a port; use 1 to 65535")
        if self.sslmode not in SSL_MODES:
            raise ValidationError("sslmode", f"use one of {', '.join(SSL_MODES)}")
        if self.sslmode in ("verify-ca", "verify-full") and not self.sslrootcert:
            raise ValidationError(
                "sslrootcert", f"{self.sslmode} needs the server's root certificate file"
            )
        if self.sslrootcert and not Path(self.sslrootcert).is_file():
            raise ValidationError("sslrootcert", f"there is no file at {self.sslrootcert}")

    @property
    def replica_file(self) -> Path:
        """Where this profile's replica lives (an offline-capable profile's local copy)."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.name.strip())
        return data_dir() / REPLICAS_DIR / f"{safe or 'profile'}.sqlite3"

    def url(self, password: str | None) -> URL:
        from sqlalchemy.engine import URL

        query = {"sslmode": self.sslmode}
        if self.sslrootcert:
            query["sslrootcert"] = self.sslrootcert
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query=query,
        )


@dataclass
class ProfileStore:
    profiles: dict[str, Profile] = field(default_factory=dict)
    last: str | None = None

    @property
    def last_profile(self) -> Profile | None:
        return self.profiles.get(self.last) if self.last else None

    def put(self, profile: Profile) -> None:
        profile.check()
        self.profiles[profile.name] = profile

    def remove(self, name: str) -> None:
        self.profiles.pop(name, None)
        if self.last == name:
            self.last = None


def profiles_path() -> Path:
    return data_dir() / PROFILES_FILE


_KNOWN = {f.name for f in fields(Profile)}


def load_profiles(path: Path | None = None) -> ProfileStore:
    """The saved profiles; an unreadable file counts as none (it is only a convenience)."""
    path = path or profiles_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        old_format = raw.get("format", 1) < FORMAT
        profiles = {item["name"]: _profile_of(item, old_format) for item in raw.get("profiles", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return ProfileStore()
    last = raw.get("last")
    return ProfileStore(profiles, last if last in profiles else None)


def _profile_of(item: dict[str, object], old_format: bool) -> Profile:
    known = {k: v for k, v in item.items() if k in _KNOWN}
    if old_format and known.get("sslmode") == "prefer":
        known["sslmode"] = ""  # the old default, not a choice: the new default
    return Profile(**known)  # type: ignore[arg-type]


def save_profiles(store: ProfileStore, path: Path | None = None) -> None:
    path = path or profiles_path()
    data = {
        "format": FORMAT,
        "last": store.last,
        "profiles": [asdict(p) for p in store.profiles.values()],
    }
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temp.replace(path)
