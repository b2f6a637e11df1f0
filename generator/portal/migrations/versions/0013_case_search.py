"""The agent queue: indexes for its order and views, and full-text search over cases (SQLite FTS5 on SQLite,
a tsvector with a GIN index on PostgreSQL).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

The queue's order is computed from the case's own columns in every query (db.QUEUE_PRIORITY_SQL and
DUE_AT_SQL) and indexed here on those expressions, so it is an index range scan and cannot go stale,
whoever writes the case. Not generated columns: Alembic's batch mode, which rebuilds an SQLite table for
changes ALTER cannot make, copies generated columns into the new table and fails. A later migration that
rebuilds `cases` on SQLite drops these indexes (the queue is then slower, never wrong): it should make them
again. The search index is kept by triggers, in the writing transaction: events are inserted in several
places (the desk, mail in, the mail queue, the knowledge loop), and a trigger cannot be forgotten by the
next one. A migration that rebuilds `cases` on SQLite (batch mode) drops the triggers on it too: it should
make them again (until then a new case is found by its messages only). Existing cases are indexed here.

The SQL is written out here, not imported, so that this migration keeps doing what it did when the code
moves on."""

from alembic import op

revision = "0013"
down_revision = "0012"  # last: 0009 rebuilds `cases` on SQLite, which would drop these indexes and triggers
branch_labels = None
depends_on = None

# The queue's order: catastrophic and Level 3 first, then the rest that runs, then cases waiting on the
# customer (paused clocks), resolved ones last. The same SQL as db.QUEUE_PRIORITY_SQL, unqualified.
PRIORITY = (
    "CASE WHEN status = 'resolved' THEN 3 WHEN status = 'waiting' THEN 2 "
    "WHEN severity = 'catastrophic' OR level >= 3 THEN 0 ELSE 1 END"
)
# The next deadline: the first response (until given), the customer update, the Level 1 resolution. A
# comparison with NULL is not true, so a clock that does not apply drops out. As db.DUE_AT_SQL.
_FIRST = "CASE WHEN first_responded_at IS NULL THEN first_response_due END"
_UPDATE = "COALESCE(next_update_due, first_response_due)"
_RESOLVE = "CASE WHEN level = 1 THEN resolution_due END"
_SOONER = f"CASE WHEN {_FIRST} < {_UPDATE} THEN {_FIRST} ELSE {_UPDATE} END"
DUE_AT = f"CASE WHEN status = 'resolved' THEN NULL WHEN {_RESOLVE} < {_SOONER} THEN {_RESOLVE} ELSE {_SOONER} END"
# The queue's views: everything open in order, one agent's cases in order. `level` and `assignee_id` ride
# along at the end, so the agent's level and the views' tests are checked in the index and a case is read
# only when it is shown (an empty view of 15,000 open cases read them all: half a second).
QUEUE_INDEXES = [
    f"CREATE INDEX ix_cases_queue ON cases (({PRIORITY}), ({DUE_AT}), id, level, assignee_id)",
    f"CREATE INDEX ix_cases_assignee_queue ON cases (assignee_id, ({PRIORITY}), ({DUE_AT}), id, level)",
]
# PostgreSQL answers from an index alone only when it holds every column the query reads, and the
# expressions read these: INCLUDE them, and the views' counts read no table rows (40 ms to 12 at 30,000).
_COLUMNS = (
    "status, severity, level, assignee_id, first_responded_at, first_response_due, next_update_due, resolution_due"
)
QUEUE_INDEXES_POSTGRES = [
    f"CREATE INDEX ix_cases_queue ON cases (({PRIORITY}), ({DUE_AT}), id) INCLUDE ({_COLUMNS})",
    f"CREATE INDEX ix_cases_assignee_queue ON cases (assignee_id, ({PRIORITY}), ({DUE_AT}), id) INCLUDE ({_COLUMNS})",
]

# What the search reads of a case's history: what people wrote, not the system's own entries.
MESSAGE_KINDS = "('created', 'customer_reply', 'reply', 'note', 'contact_in', 'contact_out', 'resolved')"

SQLITE = [
    # rowid = the case's id. unicode61 folds case and diacritics; no stemming: names, numbers and product
    # words are searched as typed.
    "CREATE VIRTUAL TABLE case_search USING fts5(subject, people, messages, "
    "tokenize = 'unicode61 remove_diacritics 2')",
    """CREATE TRIGGER case_search_case_added AFTER INSERT ON cases BEGIN
        INSERT INTO case_search (rowid, subject, people, messages) VALUES (new.id, new.subject,
            new.customer_name || ' ' || new.customer_email || ' ' || COALESCE(new.company, ''), '');
    END""",
    """CREATE TRIGGER case_search_case_changed AFTER UPDATE OF subject, customer_name, customer_email, company
    ON cases BEGIN
        UPDATE case_search SET subject = new.subject,
            people = new.customer_name || ' ' || new.customer_email || ' ' || COALESCE(new.company, '')
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER case_search_case_deleted AFTER DELETE ON cases BEGIN
        DELETE FROM case_search WHERE rowid = old.id;
    END""",
    # Never `cases` in a trigger on another table: SQLite then refuses to rename a rebuilt `cases` into
    # place (Alembic's batch mode). A missing row is made bare: the case is found by its messages at least.
    f"""CREATE TRIGGER case_search_message_added AFTER INSERT ON events BEGIN
        INSERT INTO case_search (rowid, subject, people, messages)
            SELECT new.case_id, '', '', '' WHERE NOT EXISTS (SELECT 1 FROM case_search WHERE rowid = new.case_id);
        UPDATE case_search SET messages = messages || char(10) || new.body
            WHERE rowid = new.case_id AND new.kind IN {MESSAGE_KINDS} AND new.body <> '';
    END""",
    # An event moved to another case (a merge) or its text changed: both cases' messages read again.
    *(
        f"""CREATE TRIGGER case_search_message_{when.split()[0].lower()} AFTER {when} ON events BEGIN
        UPDATE case_search SET messages = COALESCE((SELECT group_concat(body, char(10)) FROM events
            WHERE case_id = case_search.rowid AND kind IN {MESSAGE_KINDS} AND body <> ''), '')
        WHERE rowid IN (old.case_id{", new.case_id" if when.startswith("UPDATE") else ""});
    END"""
        for when in ("UPDATE OF case_id, body, kind", "DELETE")
    ),
    """INSERT INTO case_search (rowid, subject, people, messages)
        SELECT id, subject, customer_name || ' ' || customer_email || ' ' || COALESCE(company, ''),
            COALESCE((SELECT group_concat(body, char(10)) FROM events WHERE events.case_id = cases.id
                AND kind IN """
    + MESSAGE_KINDS
    + """ AND body <> ''), '')
        FROM cases""",
]

# 'simple': no stemming and no stop words, as on SQLite. An address is indexed whole and in its parts
# (PostgreSQL's parser keeps zoe@example.com as one word), so "zoe" finds it too.
_PG_ABOUT = (
    "setweight(to_tsvector('simple', {c}subject), 'A') || to_tsvector('simple', {c}customer_name || ' ' || "
    "{c}customer_email || ' ' || translate({c}customer_email, '@.-_+', '     ') || ' ' || COALESCE({c}company, ''))"
)
_PG_MESSAGES = (
    "COALESCE((SELECT to_tsvector('simple', string_agg(body, chr(10))) FROM events "
    f"WHERE case_id = {{case}} AND kind IN {MESSAGE_KINDS} AND body <> ''), ''::tsvector)"
)
POSTGRES = [
    """CREATE TABLE case_search (
        case_id INTEGER PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
        about TSVECTOR NOT NULL,
        messages TSVECTOR NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX ix_case_search_document ON case_search USING gin ((about || messages))",
    f"""CREATE FUNCTION case_search_about() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_search (case_id, about) VALUES (NEW.id, {_PG_ABOUT.format(c="NEW.")})
        ON CONFLICT (case_id) DO UPDATE SET about = EXCLUDED.about;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_search_case_added AFTER INSERT ON cases
        FOR EACH ROW EXECUTE FUNCTION case_search_about()""",
    """CREATE TRIGGER case_search_case_changed AFTER UPDATE OF subject, customer_name, customer_email, company
        ON cases FOR EACH ROW EXECUTE FUNCTION case_search_about()""",
    # Appended, not read again: a reply costs its own words. A vector past PostgreSQL's 1 MB limit would
    # refuse the message itself; the message is kept and only left out of the search.
    f"""CREATE FUNCTION case_search_message() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.kind IN {MESSAGE_KINDS} AND NEW.body <> '' THEN
            BEGIN
                UPDATE case_search SET messages = messages || to_tsvector('simple', NEW.body)
                WHERE case_id = NEW.case_id;
            EXCEPTION WHEN program_limit_exceeded THEN
                RAISE WARNING 'case % message % left out of the search: %', NEW.case_id, NEW.id, SQLERRM;
            END;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_search_message_added AFTER INSERT ON events
        FOR EACH ROW EXECUTE FUNCTION case_search_message()""",
    f"""CREATE FUNCTION case_search_messages_again() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE case_search SET messages = {_PG_MESSAGES.format(case="case_search.case_id")}
        WHERE case_id = OLD.case_id OR (TG_OP = 'UPDATE' AND case_id = NEW.case_id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_search_message_changed AFTER UPDATE OF case_id, body, kind OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION case_search_messages_again()""",
    f"""INSERT INTO case_search (case_id, about, messages)
        SELECT id, {_PG_ABOUT.format(c="")}, {_PG_MESSAGES.format(case="cases.id")} FROM cases""",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in (*SQLITE, *QUEUE_INDEXES) if dialect == "sqlite" else (*POSTGRES, *QUEUE_INDEXES_POSTGRES):
        op.execute(statement)
    op.create_index("ix_cases_status_resolved_at", "cases", ["status", "resolved_at", "id", "level"])


def downgrade() -> None:
    op.drop_index("ix_cases_status_resolved_at", "cases")
    op.drop_index("ix_cases_assignee_queue", "cases")
    op.drop_index("ix_cases_queue", "cases")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in (
            "case_added",
            "case_changed",
            "case_deleted",
            "message_added",
            "message_update",
            "message_delete",
        ):
            op.execute(f"DROP TRIGGER case_search_{trigger}")
        op.execute("DROP TABLE case_search")
    else:
        op.execute("DROP TABLE case_search")
        op.execute("DROP TRIGGER case_search_case_added ON cases")
        op.execute("DROP TRIGGER case_search_case_changed ON cases")
        op.execute("DROP TRIGGER case_search_message_added ON events")
        op.execute("DROP TRIGGER case_search_message_changed ON events")
        for function in ("case_search_about", "case_search_message", "case_search_messages_again"):
            op.execute(f"DROP FUNCTION {function}()")
