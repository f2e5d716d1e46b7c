"""`make installer`: build dist/portal-desktop/ with PyInstaller (build_installer.spec) and pack
it as dist/portal-desktop-<version>-linux-x86_64.tar.gz with the .desktop entry and the icon.

    python packaging/build.py

The build is skipped when dist/ holds one made from the same pins and sources (a hash of
constraints.txt, pyproject.toml, the spec, packaging/, portal_desktop/, migrations/ and
resources/). ``PORTAL_BUILD_CACHE=<folder>`` keeps a copy there too (CI's clones are fresh).
The last line printed gives the size.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
BUNDLE = DIST / "portal-desktop"
KEY_FILE = ".build-key"
INPUTS = ("constraints.txt", "pyproject.toml", "build_installer.spec")
INPUT_FOLDERS = ("packaging", "portal_desktop", "migrations", "resources")


def version() -> str:
    text = (ROOT / "portal_desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match, "portal_desktop/__init__.py names no __version__"
    return match.group(1)


def tarball() -> Path:
    return DIST / f"portal-desktop-{version()}-linux-x86_64.tar.gz"


def build_key() -> str:
    """A hash of everything the bundle is built from (and the Python building it)."""
    digest = hashlib.sha256(sys.version.encode())
    files = [ROOT / name for name in INPUTS]
    for folder in INPUT_FOLDERS:
        files += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file() and _source(p))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _source(path: Path) -> bool:
    return "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")


def _built_from(folder: Path, key: str) -> bool:
    stamp = folder / KEY_FILE
    return stamp.is_file() and stamp.read_text().strip() == key


def pack(bundle: Path, out: Path) -> None:
    """The tarball: portal-desktop/ (the app), its .desktop entry and icon beside it."""
    entry = (ROOT / "packaging" / "portal-desktop.desktop").read_bytes()
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname="portal-desktop", filter=_without_key)
        tar.add(ROOT / "resources" / "icon.svg", arcname="portal-desktop.svg")
        info = tarfile.TarInfo("portal-desktop.desktop")
        info.size, info.mode, info.mtime = len(entry), 0o755, int(time.time())
        with (ROOT / "packaging" / "portal-desktop.desktop").open("rb") as data:
            tar.addfile(info, data)


def _without_key(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if info.name.endswith(KEY_FILE) else info


def size_line(bundle: Path, packed: Path) -> str:
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    unpacked = sum(p.stat().st_size for p in files)
    return (
        f"{bundle.relative_to(ROOT)}: {unpacked / 1e6:.0f} MB unpacked ({len(files)} files); "
        f"{packed.relative_to(ROOT)}: {packed.stat().st_size / 1e6:.0f} MB"
    )


def main() -> int:
    key = build_key()
    cache = os.environ.get("PORTAL_BUILD_CACHE")
    cached = Path(cache) / "portal-desktop" if cache else None
    if _built_from(BUNDLE, key) and tarball().is_file():
        print("dist/ was built from the same pins and sources: not rebuilt")
    elif cached is not None and _built_from(cached, key):
        print(f"the build in {cache} is of the same pins and sources: copied, not rebuilt")
        shutil.rmtree(BUNDLE, ignore_errors=True)
        shutil.copytree(cached, BUNDLE, symlinks=True)
        pack(BUNDLE, tarball())
    else:
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
             str(ROOT / "build_installer.spec")],
            cwd=ROOT, check=True,
        )  # fmt: skip
        pack(BUNDLE, tarball())
        (BUNDLE / KEY_FILE).write_text(key + "\n")
        if cached is not None:
            shutil.rmtree(cached, ignore_errors=True)
            shutil.copytree(BUNDLE, cached, symlinks=True)
        print(f"built in {time.monotonic() - started:.0f} s")
    print(size_line(BUNDLE, tarball()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
