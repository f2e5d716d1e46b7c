"""TLS of a PostgreSQL connection: what each sslmode means, what a live connection uses, and
the failures of TLS in words (what is wrong and how to fix it).

The state shown to a user comes from the live connection, not from the profile: libpq's
``ssl_in_use`` and effective ``sslmode`` (psycopg ``pgconn``), and ``pg_stat_ssl`` for the
protocol version and cipher the server sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, text

# What each mode means for a user, said in words (the connection dialog shows these).
MODE_MEANINGS: dict[str, str] = {
    "verify-full": "Encrypted, and the server proves who it is: its certificate is signed by "
    "your root certificate and names the host you connect to.",
    "verify-ca": "Encrypted; the server's certificate is signed by your root certificate, "
    "but the host name in it is not checked.",
    "require": "Not verified: the connection is encrypted, but the server's identity is not "
    "checked, so a machine on the network could pose as the server and read your password. "
    "Give the server's root certificate to use verify-full.",
    "prefer": "Risk: encrypts only if the server offers it and silently falls back to plain "
    "text otherwise; the server's identity is never checked.",
    "allow": "Risk: plain text unless the server insists on encryption; passwords and data "
    "can be read on the network.",
    "disable": "Risk: never encrypted; passwords and data cross the network as plain text. "
    "Use only for a server on this computer or a network you trust.",
}
WEAK_MODES = ("prefer", "allow", "disable")  # only by an explicit choice
VERIFYING_MODES = ("verify-ca", "verify-full")


def default_sslmode(sslrootcert: str) -> str:
    """A new profile's mode: verify-full with a root certificate, else require."""
    return "verify-full" if sslrootcert.strip() else "require"


class TlsLevel(StrEnum):
    VERIFIED = "verified"  # encrypted, certificate and host name checked
    CA_ONLY = "ca-only"  # encrypted, certificate checked, host name not
    UNVERIFIED = "unverified"  # encrypted, nobody checked who answers
    PLAIN = "plain"  # not encrypted


LABELS = {
    TlsLevel.VERIFIED: "TLS verified",
    TlsLevel.CA_ONLY: "TLS verified (CA only)",
    TlsLevel.UNVERIFIED: "TLS not verified",
    TlsLevel.PLAIN: "Not encrypted",
}


@dataclass(frozen=True)
class TlsState:
    """How the live connection is protected."""

    level: TlsLevel
    sslmode: str
    protocol: str | None = None
    cipher: str | None = None

    @property
    def label(self) -> str:
        return LABELS[self.level]

    @property
    def detail(self) -> str:
        """A tooltip in words: what the state means and, when weak, how to make it strong."""
        if self.level is TlsLevel.PLAIN:
            return (
                f"The connection to the database is not encrypted (sslmode {self.sslmode}): "
                "passwords and data can be read on the network. Ask the database "
                "administrator to turn TLS on, and connect with verify-full."
            )
        cipher = f" ({self.protocol}, {self.cipher})" if self.protocol else ""
        return f"Encrypted{cipher}, sslmode {self.sslmode}. {MODE_MEANINGS[self.sslmode]}"


def level_of(sslmode: str, ssl_in_use: bool) -> TlsLevel:
    if not ssl_in_use:
        return TlsLevel.PLAIN
    if sslmode == "verify-full":
        return TlsLevel.VERIFIED
    if sslmode == "verify-ca":
        return TlsLevel.CA_ONLY
    return TlsLevel.UNVERIFIED


def tls_state(connection: Connection) -> TlsState | None:
    """The TLS state of a live connection; None for a SQLite file (no network)."""
    if connection.dialect.name != "postgresql":
        return None
    pgconn = connection.connection.driver_connection.pgconn  # type: ignore[union-attr]
    options = {o.keyword: o.val for o in pgconn.info}
    sslmode = (options.get(b"sslmode") or b"prefer").decode()
    row = connection.execute(
        text("SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    ).one_or_none()
    in_use = bool(pgconn.ssl_in_use) and (row is None or bool(row.ssl))
    protocol, cipher = (row.version, row.cipher) if row is not None and in_use else (None, None)
    return TlsState(level_of(sslmode, in_use), sslmode, protocol, cipher)


_WRONG_HOST = re.compile(
    r'server certificate for "(?P<cert>[^"]+)"(?: \(and \d+ other names?\))? '
    r'does not match host name "(?P<host>[^"]+)"'
)
_NO_ROOT = re.compile(r'root certificate file "(?P<path>[^"]*)" does not exist')
_BAD_ROOT = re.compile(r'could not read root certificate file "(?P<path>[^"]*)": (?P<why>.*)')
CHANGE_IT = "change it under File → Connection"


def tls_problem(message: str) -> str | None:
    """A libpq TLS failure said in words (what is wrong, how to fix it); None when the
    message is not about TLS."""
    if found := _WRONG_HOST.search(message):
        cert, host = found["cert"], found["host"]
        return (
            f'the server\'s certificate is for "{cert}", not for the host name "{host}" you '
            f'connect to. Connect by the name in the certificate ("{cert}"), or ask the '
            f'database administrator for a certificate that names "{host}"'
        )
    if "certificate verify failed" in message:
        return (
            "the server's certificate is not signed by your root certificate (an unknown "
            "certificate authority, or a self-signed server). Ask the database administrator "
            f"for the server's root certificate and {CHANGE_IT}; if the server's certificate "
            "changed without notice, someone may be posing as the server"
        )
    if "server does not support SSL, but SSL was required" in message:
        return (
            "the server does not offer TLS (encryption), and this connection requires it. Ask "
            "the database administrator to turn ssl on in postgresql.conf; only for a server on "
            f"a network you trust, allow an unencrypted connection ({CHANGE_IT})"
        )
    if found := _NO_ROOT.search(message):
        return (
            f"the root certificate file {found['path']} does not exist. Choose the server's "
            f"root certificate that the database administrator gave you ({CHANGE_IT})"
        )
    if found := _BAD_ROOT.search(message):
        return (
            f"the root certificate file {found['path']} cannot be read as a certificate "
            f"({found['why'].strip()}). Choose the server's root certificate: a PEM file "
            f"(.crt or .pem) that begins with -----BEGIN CERTIFICATE----- ({CHANGE_IT})"
        )
    return None
