"""The window never waits on the database: the views only reach it through the op machinery.

Read from the syntax tree of every module under ``portal_desktop/views``:

- a Session is opened (``sessions()``, ``Session(``) only by the op machinery: ``ops.py``
  (ReadOp, WriteOp), ``workers.py`` (the pool thread they run on) and ``task_runner.py``
  (long work with progress, whose ``in_session`` gives a task its own Session);
- views build no queries: from SQLAlchemy they import only names for annotations and
  plumbing (:data:`PLUMBING`), never ``select``, ``func``, ``text``, ``update``… — queries
  live in ``db/*_queries.py`` and the services;
- only ``ops.py`` announces changes on the bus (``tab_context.py`` defines ``announce``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import portal_desktop.views as views

VIEWS = Path(views.__file__).parent
OP_MACHINERY = {"ops.py", "workers.py", "task_runner.py"}
PLUMBING = {
    "Session",  # the type a read/write op's function takes
    "sessionmaker",  # the type of TabContext.sessions
    "Engine",  # the type of TabContext.engine
    "ColumnElement",  # a condition built by db/*_queries.py, passed on to the list model
    "ExceptionContext",  # connection_monitor: told of a lost connection by an engine event
    "event",  # connection_monitor: listens for connection errors
}


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(VIEWS)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(VIEWS.rglob("*.py"))
    ]


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def test_only_the_op_machinery_opens_a_session() -> None:
    found = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if Path(name).name not in OP_MACHINERY
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node) in {"sessions", "Session"}
    ]
    assert found == [], "open the database in a ReadOp/WriteOp or in_session(...) instead"


def test_views_build_no_queries() -> None:
    found = [
        f"{name}:{node.lineno}: {alias.name}"
        for name, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name not in PLUMBING
    ]
    assert found == [], "move the query into db/*_queries.py or a service"


def test_only_ops_announce() -> None:
    found = [
        f"{name}:{node.lineno}"
        for name, tree in _modules()
        if name not in {"ops.py", "tab_context.py"}
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node) == "announce"
    ]
    assert found == []
