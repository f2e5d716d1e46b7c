"""Small modules: no module of the package has more than MAX_LINES lines (issue 12). A module
that grows past it is split by what its parts are, not into part1/part2."""

from __future__ import annotations

from pathlib import Path

import portal_desktop

PACKAGE = Path(portal_desktop.__file__).parent
MAX_LINES = 400


def too_long(root: Path, most: int = MAX_LINES) -> dict[str, int]:
    """Modules under ``root`` longer than ``most`` lines, with their line counts."""
    counts = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(root.rglob("*.py"))
    }
    return {name: lines for name, lines in counts.items() if lines > most}


def test_no_module_is_over_400_lines() -> None:
    assert too_long(PACKAGE) == {}


def test_the_count_sees_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "long.py").write_text("x = 1\n" * 401, encoding="utf-8")
    (tmp_path / "short.py").write_text("x = 1\n" * 400, encoding="utf-8")
    assert too_long(tmp_path) == {str(Path("sub") / "long.py"): 401}
