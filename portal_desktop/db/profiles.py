"""Named connection profiles for a shared PostgreSQL, kept in ``connections.json``.

The file (in the data directory) holds host, port, database, user and SSL settings, and the
name of the profile used last. Never a password: that lives in the OS keyring (db/secrets.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from portal_desktop.db.paths import data_dir
from portal_desktop.errors import ValidationError

if TYPE_CHECKING:  # SQLAlchemy is imported when a URL is made, not when the app starts
    from sqlalchemy.engine import URL

PROFILES_FILE = "connections.json"
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORT = 5432


@dataclass(frozen=True)
class Profile:
    name: str
    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT
    sslmode: str = "prefer"
    sslrootcert: str = ""

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
        profiles = {
            item["name"]: Profile(**{k: v for k, v in item.items() if k in _KNOWN})
            for item in raw.get("profiles", [])
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return ProfileStore()
    last = raw.get("last")
    return ProfileStore(profiles, last if last in profiles else None)


def save_profiles(store: ProfileStore, path: Path | None = None) -> None:
    path = path or profiles_path()
    data = {"last": store.last, "profiles": [asdict(p) for p in store.profiles.values()]}
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temp.replace(path)
