"""A PostgreSQL server with ``ssl=on`` and a throw-away certificate authority (trustme), one
per session, started only by the tests that ask for ``tls_server``.

The server's certificate names ``localhost`` only: connecting by ``localhost`` matches it,
by ``127.0.0.1`` does not. ``other_ca`` is a second authority that did not sign it (what a
client sees of a self-signed or unknown server).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from sqlalchemy.engine import URL

from tests.pg_cluster import PgCluster, find_server_binaries

CERT_HOST = "localhost"


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca_file: Path  # the authority that signed the server's certificate
    other_ca_file: Path  # an authority that did not

    def url(self, host: str = CERT_HOST, **query: str) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            host=host,
            port=self.port,
            database="postgres",
            query=query,
        )


@pytest.fixture(scope="session")
def tls_server() -> Iterator[TlsServer]:
    bin_dir = find_server_binaries()
    if bin_dir is None:
        pytest.skip("the TLS tests start their own PostgreSQL server: initdb was not found")
    ca, other = trustme.CA(), trustme.CA()
    cert = ca.issue_cert(CERT_HOST)
    chain = b"".join(pem.bytes() for pem in cert.cert_chain_pems)
    folder = Path(tempfile.mkdtemp(prefix="portal-ca-"))
    ca.cert_pem.write_to_path(str(folder / "root.crt"))
    other.cert_pem.write_to_path(str(folder / "other-root.crt"))
    cluster = PgCluster.start(bin_dir, tls=(chain, cert.private_key_pem.bytes()))
    try:
        yield TlsServer(cluster.port, folder / "root.crt", folder / "other-root.crt")
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
