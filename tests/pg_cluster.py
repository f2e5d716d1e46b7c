"""A throw-away PostgreSQL cluster for the test suite (initdb + pg_ctl on a free port)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl) were not found. Install them "
    "(Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql`), "
    "put their folder on PATH, or set PORTAL_TEST_DATABASE_URL to a PostgreSQL database "
    "the tests may use."
)


def find_server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: PORTAL_PG_BIN_DIR if set, else PATH, else the
    usual install places."""
    forced = os.environ.get("PORTAL_PG_BIN_DIR")
    if forced:
        folder = Path(forced)
        return folder if (folder / "initdb").exists() and (folder / "pg_ctl").exists() else None
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += sorted(glob.glob("/usr/local/opt/postgresql*/bin"), reverse=True)
    candidates += sorted(glob.glob("/opt/homebrew/opt/postgresql*/bin"), reverse=True)
    for folder in candidates:
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    @classmethod
    def start(cls, bin_dir: Path, *, tls: tuple[bytes, bytes] | None = None) -> PgCluster:
        """``tls``: (certificate chain PEM, private key PEM) to serve with ``ssl=on``;
        without it the server speaks plain text only (as the suite's normal cluster)."""
        root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        run_as = None
        if os.geteuid() == 0:  # initdb refuses to run as root
            run_as = "postgres"
            try:
                entry = pwd.getpwnam(run_as)
            except KeyError:
                raise RuntimeError(
                    "running the tests as root needs a 'postgres' system user for the "
                    "throw-away cluster (it comes with the postgresql package)"
                ) from None
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(bin_dir, root, _free_port(), run_as)
        data = root / "data"
        cluster._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
        )
        options = (
            f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        if tls is not None:
            options += cluster._tls_options(*tls)
        cluster._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        return cluster

    def _tls_options(self, chain: bytes, key: bytes) -> str:
        """Write the server's certificate and key (the key readable by the server's user
        only, as PostgreSQL insists) and the settings that serve them."""
        cert_file, key_file = self.root / "server.crt", self.root / "server.key"
        cert_file.write_bytes(chain)
        key_file.write_bytes(key)
        key_file.chmod(0o600)
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            for path in (cert_file, key_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        return f" -c ssl=on -c ssl_cert_file={cert_file} -c ssl_key_file={key_file}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
