"""TLS against a real PostgreSQL with ssl=on and a throw-away CA (tests/tls_cluster.py): what
connects, what is refused in words, and the state read from the live connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from portal_desktop.cli import main
from portal_desktop.db.engine import check_connection, make_engine
from portal_desktop.db.profiles import Profile
from portal_desktop.db.tls import TlsLevel, TlsState, tls_problem, tls_state
from portal_desktop.errors import DatabaseUnreachableError
from tests.tls_cluster import TlsServer


def _state(url: URL | str) -> TlsState | None:
    engine = make_engine(url)
    try:
        check_connection(engine)
        with engine.connect() as conn:
            return tls_state(conn)
    finally:
        engine.dispose()


def _refusal(url: URL | str) -> str:
    engine = make_engine(url)
    try:
        with pytest.raises(DatabaseUnreachableError) as caught:
            check_connection(engine)
    finally:
        engine.dispose()
    return str(caught.value)


def test_a_new_profile_with_the_root_certificate_connects_verified(tls_server: TlsServer) -> None:
    profile = Profile(
        "office", "localhost", "postgres", "postgres", tls_server.port, "", str(tls_server.ca_file)
    )
    assert profile.sslmode == "verify-full"  # the default, given a root certificate
    state = _state(profile.url(None))
    assert state is not None and state.level is TlsLevel.VERIFIED
    assert state.label == "TLS verified"
    assert state.protocol and state.protocol.startswith("TLSv1.")
    assert state.cipher and state.cipher in state.detail


def test_require_connects_encrypted_but_says_not_verified(tls_server: TlsServer) -> None:
    state = _state(tls_server.url("127.0.0.1", sslmode="require"))
    assert state is not None
    assert (state.level, state.label, state.sslmode) == (
        TlsLevel.UNVERIFIED,
        "TLS not verified",
        "require",
    )
    assert "the server's identity is not checked" in state.detail
    ca_only = _state(tls_server.url("127.0.0.1", sslmode="verify-ca", sslrootcert=_ca(tls_server)))
    assert ca_only is not None and ca_only.level is TlsLevel.CA_ONLY


def _ca(server: TlsServer) -> str:
    return str(server.ca_file)


def test_a_wrong_host_name_is_refused_in_words(tls_server: TlsServer) -> None:
    url = tls_server.url("127.0.0.1", sslmode="verify-full", sslrootcert=_ca(tls_server))
    message = _refusal(url)
    assert message.startswith(f"cannot connect to postgres@127.0.0.1:{tls_server.port}/")
    assert (
        'the server\'s certificate is for "localhost", not for the host name "127.0.0.1"' in message
    )
    assert 'Connect by the name in the certificate ("localhost")' in message


def test_a_server_signed_by_another_ca_is_refused_in_words(tls_server: TlsServer) -> None:
    url = tls_server.url(sslmode="verify-full", sslrootcert=str(tls_server.other_ca_file))
    message = _refusal(url)
    assert "securely: the server's certificate is not signed by your root certificate" in message
    assert "self-signed server" in message
    assert "Ask the database administrator for the server's root certificate" in message


def test_a_server_without_tls_is_refused_when_tls_is_required(pg_admin_url: str) -> None:
    plain = make_url(pg_admin_url).set(query={"sslmode": "require"})
    message = _refusal(plain.render_as_string(hide_password=False))
    assert "the server does not offer TLS (encryption), and this connection requires it" in message
    assert "turn ssl on in postgresql.conf" in message


def test_a_plain_connection_reads_as_not_encrypted(pg_admin_url: str, tmp_path: Path) -> None:
    plain = make_url(pg_admin_url).set(query={"sslmode": "disable"})
    state = _state(plain.render_as_string(hide_password=False))
    assert state is not None and state.level is TlsLevel.PLAIN
    assert state.label == "Not encrypted"
    assert "can be read on the network" in state.detail
    assert _state(f"sqlite:///{tmp_path / 'local.sqlite3'}") is None  # a file: no TLS at all


def test_a_missing_or_unreadable_root_certificate_is_said_in_words(
    tls_server: TlsServer, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.crt"
    message = _refusal(tls_server.url(sslmode="verify-full", sslrootcert=str(missing)))
    assert f"the root certificate file {missing} does not exist" in message
    assert "Choose the server's root certificate" in message
    garbage = tmp_path / "root.crt"
    garbage.write_text("not a certificate")
    message = _refusal(tls_server.url(sslmode="verify-full", sslrootcert=str(garbage)))
    assert f"the root certificate file {garbage} cannot be read as a certificate" in message
    assert "-----BEGIN CERTIFICATE-----" in message


def test_the_command_line_says_a_tls_refusal_in_one_line(tls_server: TlsServer, capsys) -> None:
    url = tls_server.url("127.0.0.1", sslmode="verify-full", sslrootcert=_ca(tls_server))
    assert main(["--url", url.render_as_string(), "db", "status"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("portal-desktop: error: cannot connect to ")
    assert 'not for the host name "127.0.0.1"' in err


def test_a_certificate_with_several_names_is_named_by_its_first() -> None:
    libpq = (
        'connection to server at "10.0.0.5", port 5432 failed: server certificate for '
        '"db.example.com" (and 2 other names) does not match host name "10.0.0.5"'
    )
    words = tls_problem(libpq) or ""
    assert 'the server\'s certificate is for "db.example.com", not for the host name' in words
    assert tls_problem("connection refused") is None
