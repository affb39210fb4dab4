"""The PostgreSQL role of the public process: it may add requests and reach mailboxes,
and nothing else (docs/design.md §2.3).

What the public side does, and so all the role is granted:

- read the intake *public* key (never the sealed private key or its data key);
- add requests, applicant messages, attachment rows and check-ins;
- find a mailbox by its codename lookup, read the replies sealed to the codename, count
  what a mailbox sent this hour, sum the bytes stored (the storage cap);
- keep the throttle counters.

Reading is granted column by column, so the role cannot read back what applicants sent
(the sealed payloads, their messages), nor staff copies of replies, nor anything of the
staff side: accounts, sessions, cases, the vault's keys, the audit log. A column added to
these tables later is unreadable by this role until a migration grants it here.

Adding is granted on whole rows, so what is added must also have the shape of what the
public side's code adds (``INSERT_RULES``): a new web request linked to nothing, a
message from the applicant.

:func:`apply` makes the grants exactly this table: it first revokes everything the role
holds in the schema. It runs in migration ``0002_public_role`` and again on demand with
``waystation intake public-role`` (e.g. after restoring into a new cluster). On SQLite,
which has no roles, there is nothing to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from typing import Any

# The role's name; one per installation if several share a PostgreSQL cluster.
ROLE = os.environ.get("WAYSTATION_PUBLIC_DB_ROLE", "waystation_public")
# A flood against the public page must not take every connection the server has: the
# staff side needs some. Two workers with four threads hold eight.
CONNECTION_LIMIT = 20

# table: (privileges on the whole table, columns it may read)
GRANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "intake_intakekey": ((), ("id", "public_key", "created_at", "retired_at")),
    "intake_helprequest": (
        ("INSERT",),
        ("id", "received_at", "language", "status", "codename_lookup", "form_token"),
    ),
    "intake_mailboxmessage": (
        ("INSERT",),
        ("id", "request_id", "direction", "kind", "sent_at", "for_applicant_box"),
    ),
    "intake_attachment": (("INSERT",), ("request_id", "message_id", "size")),
    "intake_checkin": (("INSERT",), ("request_id", "kind", "at")),
    # Consent questions: read in the mailbox (and answered there, UPDATES below).
    "intake_consentrequest": (
        (),
        ("id", "request_id", "question_box", "asked_at", "answer", "answered_at"),
    ),
    # Counters per minute, holding a number and nothing else (see limits.py).
    "intake_throttlewindow": (("SELECT", "INSERT", "UPDATE", "DELETE"), ()),
}

# table: the columns the role may change, and no other. A consent question is answered
# with a yes or a no; its sealed question and the referral it is for stay as staff wrote.
UPDATES: dict[str, tuple[str, ...]] = {
    "intake_consentrequest": ("answer", "answered_at", "answer_key_id", "answer_tag")
}

# table: what every row the role adds must satisfy. INSERT is granted on the whole row
# (Django names every column), so without these a compromised public process could add
# a request already linked to a case (and so read the consent questions asked on it), a
# "partner referral" naming a real partner, or a message as if staff had sent it. The
# check runs in a trigger for whoever may add rows but not change them: this role, never
# the staff side, which owns the tables.
INSERT_RULES: dict[str, str] = {
    "intake_helprequest": (
        "NEW.status = 'new' AND NEW.channel = 'web' AND NEW.referred_by = '' "
        "AND NEW.case_id IS NULL AND NEW.case_opened_at IS NULL AND NEW.data_key_id IS NULL "
        "AND NEW.screened_at IS NULL"
    ),
    "intake_mailboxmessage": "NEW.direction = 'in'",
}

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleSetupFailed(Exception):
    pass


def _quoted_role() -> str:
    if not _NAME.fullmatch(ROLE):
        raise RoleSetupFailed(f"WAYSTATION_PUBLIC_DB_ROLE must match {_NAME.pattern}")
    return f'"{ROLE}"'


def statements(schema: str, quote: Any, existing: Collection[str] | None = None) -> list[str]:
    """The SQL that makes the role's privileges exactly GRANTS (the role exists). With
    ``existing``, only for those tables: an early migration runs before later tables are
    made, and the migration that makes one applies the grants again."""
    role = _quoted_role()
    out = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(schema)} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quote(schema)} FROM {role}",
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {role}",
    ]
    for table, (privileges, columns) in GRANTS.items():
        if existing is not None and table not in existing:
            continue
        if privileges:
            out.append(f"GRANT {', '.join(privileges)} ON {quote(table)} TO {role}")
        if columns:
            names = ", ".join(quote(c) for c in columns)
            out.append(f"GRANT SELECT ({names}) ON {quote(table)} TO {role}")
    for table, columns in UPDATES.items():
        if existing is not None and table not in existing:
            continue
        names = ", ".join(quote(c) for c in columns)
        out.append(f"GRANT UPDATE ({names}) ON {quote(table)} TO {role}")
    for table, rule in INSERT_RULES.items():
        if existing is not None and table not in existing:
            continue
        out.extend(_insert_rule(schema, quote, table, rule))
    return out


def _insert_rule(schema: str, quote: Any, table: str, rule: str) -> list[str]:
    function = f"{quote(schema)}.{quote(f'{table}_public_insert')}"
    trigger = quote(f"{table}_public_insert")
    # The rule is looked at only for an inserter without UPDATE (nested, so that it is
    # never evaluated for the staff side, even while a migration has yet to add one of
    # its columns).
    body = (
        "BEGIN "
        "IF NOT has_table_privilege(TG_RELID, 'UPDATE') THEN "
        f"IF ({rule}) IS NOT TRUE THEN "
        "RAISE EXCEPTION 'the public side adds only new web requests and applicants'' "
        f"messages to {table}' USING ERRCODE = 'insufficient_privilege'; "
        "END IF; END IF; RETURN NEW; END"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$",
        f"DROP TRIGGER IF EXISTS {trigger} ON {quote(table)}",
        f"CREATE TRIGGER {trigger} BEFORE INSERT ON {quote(table)} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def apply(connection: Any) -> list[str]:
    """Create the role if it is missing (NOLOGIN: an operator gives it a password) and
    make its grants exactly GRANTS. Returns the statements run. No-op on SQLite."""
    if connection.vendor != "postgresql":
        return []
    role = _quoted_role()
    run: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cursor.fetchone() is None:
            cursor.execute("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = user")
            row = cursor.fetchone()
            if not (row and row[0]):
                raise RoleSetupFailed(
                    f"The database role {ROLE} does not exist and this account may not "
                    f"create it. As a superuser, run: CREATE ROLE {ROLE} NOLOGIN; "
                    "then migrate again (see docs/public-side.md)."
                )
            create = f"CREATE ROLE {role} NOLOGIN CONNECTION LIMIT {CONNECTION_LIMIT}"
            # Roles belong to the cluster, not to one database: another migration (the
            # test suite's parallel workers, a second installation) may create it
            # between our look and our CREATE. Losing that race is fine.
            cursor.execute(
                f"DO $$ BEGIN {create}; "
                "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            )
            run.append(create)
        cursor.execute("SELECT current_schema()")
        schema_row = cursor.fetchone()
        assert schema_row is not None
        existing = set(connection.introspection.table_names(cursor))
        for statement in statements(str(schema_row[0]), connection.ops.quote_name, existing):
            cursor.execute(statement)
            run.append(statement)
    return run
