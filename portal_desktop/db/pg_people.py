"""People on a shared PostgreSQL database: group roles, and SECURITY DEFINER functions that
create, change and end the login roles (migration 0007).

A person's login role is named as their ``users.username`` and is a member of one group role
(``pg_grants.GROUPS``). Admins never get CREATEROLE: the functions below run with the rights
of the schema owner (which has it), check that the caller (``session_user``) is an active
administrator or the owner, and only ever touch login roles that have a ``users`` row and
are neither superusers nor the owner. Passwords arrive as SCRAM verifiers computed by the
client (libpq's PQencryptPasswordConn): the clear text never reaches the server or its logs.
"""

from __future__ import annotations

from portal_desktop.db.pg_grants import GROUPS

_HEADER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$"

CREATE_GROUPS = "\n".join(
    [
        "DO $do$ BEGIN",
        *(
            f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{group}') THEN "
            f"CREATE ROLE {group} NOLOGIN; END IF;"
            for group in GROUPS.values()
        ),
        "END $do$",
    ]
)

_GROUP_CASE = " ".join(f"WHEN '{role}' THEN '{group}'" for role, group in GROUPS.items())
_ALL_GROUPS = ", ".join(GROUPS.values())

FUNCTIONS: dict[str, str] = {
    "portal_require_admin()": f"""
CREATE OR REPLACE FUNCTION portal_require_admin() RETURNS void {_HEADER}
BEGIN
    IF session_user = current_user THEN RETURN; END IF;
    IF NOT EXISTS (SELECT FROM users u WHERE u.username = session_user AND u.active
                   AND u.role = 'ADMIN' AND pg_has_role(session_user, 'portal_admin', 'MEMBER'))
    THEN
        RAISE EXCEPTION '% may not manage users; ask an administrator', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END $fn$""",
    "portal_group_of(text)": f"""
CREATE OR REPLACE FUNCTION portal_group_of(p_role text) RETURNS text {_HEADER}
BEGIN
    RETURN CASE p_role {_GROUP_CASE} ELSE NULL END;
END $fn$""",
    "portal_person(text)": f"""
CREATE OR REPLACE FUNCTION portal_person(p_username text) RETURNS text {_HEADER}
BEGIN
    IF NOT EXISTS (SELECT FROM users u WHERE u.username = p_username)
       OR p_username = current_user
       OR EXISTS (SELECT FROM pg_roles r WHERE r.rolname = p_username AND r.rolsuper) THEN
        RAISE EXCEPTION 'no user named %', p_username USING ERRCODE = 'no_data_found';
    END IF;
    RETURN p_username;
END $fn$""",
    "portal_check_verifier(text)": f"""
CREATE OR REPLACE FUNCTION portal_check_verifier(p_verifier text) RETURNS void {_HEADER}
BEGIN
    IF p_verifier IS NULL OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
        RAISE EXCEPTION 'a password must be given as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'invalid_password';
    END IF;
END $fn$""",
    "portal_create_user(text,text,text,text,text,uuid)": f"""
CREATE OR REPLACE FUNCTION portal_create_user(p_username text, p_verifier text, p_role text,
    p_full_name text, p_email text, p_team_member uuid) RETURNS uuid {_HEADER}
DECLARE
    new_id uuid := gen_random_uuid();
    grp text := portal_group_of(p_role);
BEGIN
    PERFORM portal_require_admin();
    PERFORM portal_check_verifier(p_verifier);
    IF grp IS NULL THEN
        RAISE EXCEPTION '% is not a role', p_role USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM pg_roles r WHERE r.rolname = p_username) THEN
        RAISE EXCEPTION 'a database role named % exists already; choose another username',
            p_username USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I',
                   p_username, p_verifier, grp);
    INSERT INTO users (id, username, full_name, email, role, password_hash, active,
                       must_change_password, failed_logins, team_member_id,
                       created_at, updated_at, version)
    VALUES (new_id, p_username, coalesce(p_full_name, ''), p_email, p_role, '', true,
            true, 0, p_team_member, clock_timestamp(), clock_timestamp(), 1);
    RETURN new_id;
END $fn$""",
    "portal_link_user(text,text)": f"""
CREATE OR REPLACE FUNCTION portal_link_user(p_username text, p_verifier text)
RETURNS void {_HEADER}
DECLARE
    grp text;
BEGIN
    PERFORM portal_require_admin();
    PERFORM portal_check_verifier(p_verifier);
    SELECT portal_group_of(u.role) INTO grp FROM users u
    WHERE u.username = portal_person(p_username);
    IF EXISTS (SELECT FROM pg_roles r WHERE r.rolname = p_username) THEN
        EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', p_username, p_verifier);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', p_username, p_verifier);
    END IF;
    EXECUTE format('GRANT %I TO %I', grp, p_username);
    UPDATE users SET password_hash = '', must_change_password = true,
                     updated_at = clock_timestamp(), version = version + 1
    WHERE username = p_username;
END $fn$""",
    "portal_set_role(text,text)": f"""
CREATE OR REPLACE FUNCTION portal_set_role(p_username text, p_role text) RETURNS void {_HEADER}
DECLARE
    grp text := portal_group_of(p_role);
    other text;
BEGIN
    PERFORM portal_require_admin();
    IF grp IS NULL THEN
        RAISE EXCEPTION '% is not a role', p_role USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM portal_person(p_username);
    IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = p_username) THEN
        other := NULL;  -- a user with no login yet (an upgraded database): the row only
    ELSE
    FOREACH other IN ARRAY ARRAY['{"', '".join(GROUPS.values())}'] LOOP
        IF other <> grp AND pg_has_role(p_username, other, 'MEMBER') THEN
            EXECUTE format('REVOKE %I FROM %I', other, p_username);
        END IF;
    END LOOP;
    EXECUTE format('GRANT %I TO %I', grp, p_username);
    END IF;
    UPDATE users SET role = p_role, updated_at = clock_timestamp(), version = version + 1
    WHERE username = p_username AND role <> p_role;
END $fn$""",
    "portal_set_active(text,boolean)": f"""
CREATE OR REPLACE FUNCTION portal_set_active(p_username text, p_active boolean)
RETURNS void {_HEADER}
BEGIN
    PERFORM portal_require_admin();
    IF p_username = session_user AND NOT p_active THEN
        RAISE EXCEPTION 'you cannot deactivate your own account'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT FROM pg_roles r WHERE r.rolname = portal_person(p_username)) THEN
        EXECUTE format('ALTER ROLE %I %s', p_username,
                       CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
    END IF;
    UPDATE users SET active = p_active, failed_logins = 0, locked_until = NULL,
                     updated_at = clock_timestamp(), version = version + 1
    WHERE username = p_username AND active <> p_active;
    IF NOT p_active THEN
        BEGIN
            PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
            WHERE a.usename = p_username;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'the sessions of % could not be ended: grant pg_signal_backend '
                          'to the schema owner', p_username;
        END;
    END IF;
END $fn$""",
    "portal_reset_password(text,text)": f"""
CREATE OR REPLACE FUNCTION portal_reset_password(p_username text, p_verifier text)
RETURNS void {_HEADER}
BEGIN
    PERFORM portal_require_admin();
    PERFORM portal_check_verifier(p_verifier);
    IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = portal_person(p_username)) THEN
        RAISE EXCEPTION '% has no database login yet; give them one: portal-desktop users link',
            p_username USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_username, p_verifier);
    UPDATE users SET must_change_password = true, failed_logins = 0, locked_until = NULL,
                     updated_at = clock_timestamp(), version = version + 1
    WHERE username = p_username;
END $fn$""",
    "portal_password_changed()": f"""
CREATE OR REPLACE FUNCTION portal_password_changed() RETURNS void {_HEADER}
BEGIN
    UPDATE users SET must_change_password = false, last_login_at = clock_timestamp(),
                     updated_at = clock_timestamp(), version = version + 1
    WHERE username = session_user AND must_change_password;
END $fn$""",
}
"""Signature: CREATE statement. Only ``portal_password_changed`` is for everyone (it clears
the caller's own flag after they changed their own password); the rest are admins'."""

_EVERYONE = ("portal_password_changed()",)


def install_statements() -> list[str]:
    statements = [CREATE_GROUPS]
    for signature, create in FUNCTIONS.items():
        statements += [create, f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"]
        grantees = _ALL_GROUPS if signature in _EVERYONE else "portal_admin"
        statements.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {grantees}")
    return statements


def remove_statements() -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {signature}" for signature in reversed(FUNCTIONS)]
