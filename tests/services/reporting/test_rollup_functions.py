"""One definition of the rollup SQL (issue 14): PostgreSQL's SECURITY DEFINER rollup
functions hold exactly the statements ``rollups.py`` builds today, rendered."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from portal_desktop.services.reporting.rollup_functions import FUNCTIONS, function_statements


def _body(create: str) -> str:
    return create.split("$fn$", 2)[1]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_database_functions_are_the_builders_statements(engine: Engine) -> None:
    with engine.connect() as conn:
        stored = {
            signature: conn.execute(
                text("SELECT prosrc FROM pg_proc WHERE oid = CAST(:s AS regprocedure)"),
                {"s": signature},
            ).scalar_one()
            for signature in FUNCTIONS
        }
        definer = conn.execute(
            text("SELECT bool_and(prosecdef) FROM pg_proc WHERE proname LIKE 'portal_rollup_%'")
        ).scalar_one()
    assert stored == {sig: _body(create) for sig, create in function_statements().items()}
    assert definer is True


def test_every_bound_value_of_the_builders_is_rendered() -> None:
    for create in function_statements().values():
        assert "%(" not in create and "POSTCOMPILE" not in create
        assert "1901-02" not in create and "St_Johns" not in create  # sentinels became variables
