"""Screen tests written when a list read its first page and count on the UI thread.

For the test modules named in ``LISTS_ANSWER_AT_ONCE`` the list model runs its query, count,
refresh, chip counts and totals inline (pages past the first stay in workers): a screen's
list holds its rows as soon as its filters are set, as those tests expect. Everything else
here (the list machinery's own tests first) runs the model's workers for real; a module
leaves this set once its tests wait for the list (``tests.views.list_rows.settled``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal_desktop.views import table_model

LISTS_ANSWER_AT_ONCE = frozenset({})


def _at_once(
    fn: Callable[[], Any],
    *,
    on_success: Callable[[Any], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    parent: object = None,
) -> None:
    try:
        value = fn()
    except Exception as exc:
        if on_failure is None:
            raise
        on_failure(exc)
        return
    if on_success is not None:
        on_success(value)


@pytest.fixture(autouse=True)
def lists_answer_at_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.module.__name__.rsplit(".", 1)[-1] in LISTS_ANSWER_AT_ONCE:
        monkeypatch.setattr(table_model, "run_in_worker", _at_once)
