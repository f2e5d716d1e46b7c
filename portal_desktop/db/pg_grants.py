"""Who may do what on a shared PostgreSQL database: the one table of grants.

``MATRIX`` is written once: migration 0007 turns it into GRANT statements (the migrations
that make a table later grant it from here too: ``ADDED_LATER``), the matrix test
(tests/db/test_pg_security_matrix.py) expects exactly it from real logins, and the README's
"Shared database security" table is rendered from it (:func:`markdown_matrix`).

Letters: S select, I insert, U update, D delete. A letter in lower case is limited by a
row-level security policy (``ROW_RULES``) or to some columns (``COLUMN_RULES``). Nobody but
the schema owner has TRUNCATE, REFERENCES, TRIGGER, DDL or the ownership of anything.
"""

from __future__ import annotations

from collections.abc import Iterator

GROUPS = {"ADMIN": "portal_admin", "SALES": "portal_sales", "MARKETING": "portal_marketing"}
"""The group role (NOLOGIN) of each app role; a person's login role is a member of one."""

_FACTS = (
    "lead_day_facts",
    "call_day_facts",
    "enrollment_day_facts",
    "cash_day_facts",
    "installment_due_facts",
    "lead_month_facts",
    "call_month_facts",
    "enrollment_month_facts",
    "cash_month_facts",
    "rollup_dirty",
    "rollup_dirty_parents",
    "rollup_state",
)

ADDED_LATER: dict[str, str] = {
    "sync_log": "0008",
    "sync_log_horizon": "0008",
    "sync_applied": "0009",
    **dict.fromkeys(
        ("lead_month_facts", "call_month_facts", "enrollment_month_facts", "cash_month_facts"),
        "0010",
    ),
}
"""Tables made after migration 0007, which grants the others: the revision that makes them
and grants them (:func:`grants_added_in`)."""

# table: (portal_admin, portal_sales, portal_marketing)
MATRIX: dict[str, tuple[str, str, str]] = {
    "leads": ("SIUD", "SIU", "Su"),
    "sales_calls": ("SIUD", "SIU", "S"),
    "students": ("SIUD", "SIU", "S"),
    "enrollments": ("SIUD", "Siu", "S"),
    "programs": ("SIUD", "S", "S"),
    "payments": ("SIUD", "Siu", ""),
    "installments": ("SIUD", "SIUD", ""),
    "team_members": ("SIUD", "S", "S"),
    "daily_metrics": ("SIUD", "Siu", ""),
    "ad_campaigns": ("SIUD", "S", "SIU"),
    "ad_performance": ("SIUD", "S", "SIU"),
    "email_broadcasts": ("SIUD", "S", "SIU"),
    "app_settings": ("SIUD", "S", "S"),
    "users": ("su", "s", "s"),
    "audit_log": ("S", "s", ""),
    "alembic_version": ("S", "S", "S"),
    "sync_log": ("S", "S", "S"),  # written by a definer trigger only
    "sync_log_horizon": ("S", "S", "S"),  # moved by portal_sync_prune only
    "sync_applied": ("SI", "SI", "SI"),  # a push records its change set as the person
    **dict.fromkeys(_FACTS, ("S", "S", "S")),
}

_USER_COLUMNS = (
    "id, username, full_name, email, role, active, must_change_password, team_member_id, "
    "failed_logins, locked_until, last_login_at, created_at, updated_at, version"
)
"""Every column of ``users`` but ``password_hash`` (NULL on PostgreSQL, and unreadable)."""

COLUMN_RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("users", "S"): (_USER_COLUMNS, "every column but password_hash"),
    ("users", "U"): (
        "full_name, email, team_member_id, updated_at, version",
        "name, email and team member only (role, login and password: definer functions)",
    ),
    ("leads", "U"): (
        "ad_campaign_id, campaign_linked_by_hand, updated_at, version",
        "the lead's ad campaign only (campaign links)",
    ),
}

_NOT_ENDED = "status NOT IN ('CANCELLED', 'DEFAULTED')"
_NOT_REFUNDED = "status <> 'REFUNDED' AND refunded_amount = 0 AND refunded_at IS NULL"
_OWN_MEMBER = (
    "team_member_id = (SELECT u.team_member_id FROM users u "
    "WHERE u.username = current_user AND u.active)"
)

# (table, group role): (USING / WITH CHECK condition, words for the README)
ROW_RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("enrollments", "portal_sales"): (_NOT_ENDED, "not to cancel or default (admins only)"),
    ("payments", "portal_sales"): (_NOT_REFUNDED, "not to refund, nor touch a refunded payment"),
    ("daily_metrics", "portal_sales"): (_OWN_MEMBER, "only their own team member's rows"),
}
# (table, group role): (USING condition of its SELECT, words for the README)
READ_RULES: dict[tuple[str, str], tuple[str, str]] = {
    ("audit_log", "portal_sales"): (
        "entity IN ('enrollments', 'installments', 'payments')",
        "the trail of enrollments, installments and payments (an enrollment's history)",
    ),
}
RLS_TABLES = tuple(sorted({table for table, _group in (*ROW_RULES, *READ_RULES)}))

_VERBS = {"S": "SELECT", "I": "INSERT", "U": "UPDATE", "D": "DELETE"}


def group_of(index: int) -> str:
    return tuple(GROUPS.values())[index]


def grants(table: str) -> Iterator[tuple[str, str, str | None]]:
    """(group role, SQL privilege, column list or None) of every grant on ``table``."""
    for index, letters in enumerate(MATRIX[table]):
        for letter in letters:
            columns = COLUMN_RULES.get((table, letter.upper())) if letter.islower() else None
            yield group_of(index), _VERBS[letter.upper()], columns[0] if columns else None


def allows(table: str, group: str, verb: str) -> bool:
    """Whether ``group`` holds ``verb`` (SELECT…) on ``table`` at all (perhaps limited)."""
    letters = MATRIX[table][tuple(GROUPS.values()).index(group)]
    return verb[0] in letters.upper()


def grant_statements() -> list[str]:
    """Everything people may do, from nothing: the owner keeps its rights, PUBLIC loses all."""
    groups = ", ".join(GROUPS.values())
    statements = [
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA public FROM {groups}",
        f"GRANT USAGE ON SCHEMA public TO {groups}",
    ]
    for table in MATRIX:
        if table not in ADDED_LATER:
            statements += table_grant_statements(table)
    for table in RLS_TABLES:
        statements += _row_security(table)
    return statements


def grants_added_in(revision: str) -> list[str]:
    """``MATRIX``'s grants on the tables ``revision`` makes (``ADDED_LATER``)."""
    tables = [table for table, made_in in ADDED_LATER.items() if made_in == revision]
    return [statement for table in tables for statement in table_grant_statements(table)]


def table_grant_statements(table: str) -> list[str]:
    """``MATRIX``'s grants on one table, from nothing."""
    groups = ", ".join(GROUPS.values())
    statements = [f"REVOKE ALL ON TABLE {table} FROM PUBLIC, {groups}"]
    for group, verb, columns in grants(table):
        on = f"{verb} ({columns})" if columns else verb
        statements.append(f"GRANT {on} ON TABLE {table} TO {group}")
    return statements


def _row_security(table: str) -> list[str]:
    statements = [f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"]
    for group in GROUPS.values():
        rule = ROW_RULES.get((table, group))
        if not any(allows(table, group, verb) for verb in _VERBS.values()):
            continue
        name = f"{table}_{group}"
        if (table, group) in READ_RULES:
            using = READ_RULES[(table, group)][0]
            statements.append(
                f"CREATE POLICY {name}_read ON {table} FOR SELECT TO {group} USING ({using})"
            )
            continue
        if rule is None:
            statements.append(
                f"CREATE POLICY {name} ON {table} TO {group} USING (true) WITH CHECK (true)"
            )
            continue
        statements += [
            f"CREATE POLICY {name}_read ON {table} FOR SELECT TO {group} USING (true)",
            f"CREATE POLICY {name}_add ON {table} FOR INSERT TO {group} WITH CHECK ({rule[0]})",
            f"CREATE POLICY {name}_change ON {table} FOR UPDATE TO {group} "
            f"USING ({rule[0]}) WITH CHECK ({rule[0]})",
        ]
    return statements


def markdown_matrix() -> str:
    """The README's table: table by group role, with the limits in words."""
    head = "| table | " + " | ".join(GROUPS.values()) + " |"
    lines = [head, "|" + "---|" * (len(GROUPS) + 1)]
    for table, row in MATRIX.items():
        cells = []
        for index, letters in enumerate(row):
            group = group_of(index)
            words = [_cell_word(table, group, letter) for letter in letters] or ["—"]
            cells.append(", ".join(words))
        lines.append(f"| {table} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell_word(table: str, group: str, letter: str) -> str:
    verb = _VERBS[letter.upper()]
    if letter.isupper():
        return verb
    columns = COLUMN_RULES.get((table, letter.upper()))
    if columns is not None:
        return f"{verb} ({columns[1]})"
    return f"{verb} ({(ROW_RULES.get((table, group)) or READ_RULES[(table, group)])[1]})"
