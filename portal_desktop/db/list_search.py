"""A list's search: one word of the search box as a WHERE condition, per database.

Each word must appear in one of the spec's searched columns, in any case:

* PostgreSQL: ``ILIKE`` on the column itself, what its pg_trgm GIN indexes answer
  (``lower(col) LIKE`` would not use them);
* SQLite with the list's FTS5 trigram table (migration 0002): a ``MATCH`` on it for words of
  :data:`FTS_MIN_WORD` characters or more (the trigram tokenizer matches any substring of
  three or more characters, any case);
* SQLite otherwise, and shorter words: ``LIKE``, which ignores ASCII case already and is
  cheaper than ``lower()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Integer, literal_column, or_, select, table

if TYPE_CHECKING:
    from portal_desktop.db.query_spec import ListSpec

# Shorter words have no trigram: they are matched with LIKE.
FTS_MIN_WORD = 3


def word_condition(
    spec: ListSpec, dialect: str, word: str, *, use_fts: bool
) -> ColumnElement[bool]:
    """The rows where ``word`` appears in one of ``spec.search_in`` (any case)."""
    if dialect == "postgresql":
        pattern = "%" + _escape_like(word) + "%"
        return or_(*(col.ilike(pattern, escape="/") for col in spec.search_in))
    if use_fts and spec.fts_table is not None and len(word) >= FTS_MIN_WORD:
        fts = spec.fts_table
        rowid = literal_column(f"{spec.base.name}.rowid", Integer)
        phrase = '"' + word.replace('"', '""') + '"'
        matching = (
            select(literal_column("rowid"))
            .select_from(table(fts))
            .where(literal_column(fts).op("MATCH")(phrase))
        )
        return rowid.in_(matching)
    return or_(*(col.contains(word, autoescape=True) for col in spec.search_in))


def _escape_like(word: str) -> str:
    return word.replace("/", "//").replace("%", "/%").replace("_", "/_")
