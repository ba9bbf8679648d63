"""desk's schema on a team server, versioned: migrations are code, as for case files.

Everything lives in the schema `desk`, owned by the role `desk_owner`, which cannot log in.
Members log in with roles of their own that are members of the group roles:

- `desk_reviewer` sees and adds to the cases of the teams `desk.members` lists them in;
- `desk_editor` is a reviewer who may also add sign-offs, in the teams where they are editor;
- `desk_admin` manages teams and their members and sees every case, but adds no history.

Permissions are the database's own: a group role is granted only the statements it needs (no
UPDATE, DELETE or TRUNCATE on any history table, for anyone), row-level security limits every
row to the teams of the login (`session_user`), and triggers refuse to rewrite or remove history
even for the tables' owner, check that an entry follows the server's last entry of its case, and
re-hash a small original before it counts as stored. A superuser can still do anything: the
client re-checks hashes and signatures of everything it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from desk import __version__
from desk.team.server import TeamError, connect, schema_version, server_message, too_new_message

#: pg_advisory_xact_lock key serializing two `desk team init` runs ("DESK" in ASCII).
INIT_LOCK = 0x4445534B

#: Originals up to this size are re-hashed by the server when they are stored; larger ones are
#: hashed by the client on the way in and on the way out (PostgreSQL has no streaming SHA-256).
SERVER_HASH_LIMIT = 64 << 20

_HEX64 = "'^[0-9a-f]{64}$'"

#: Tables whose rows are history: nobody updates, deletes or truncates them.
HISTORY_TABLES = ("entries", "row_versions", "originals", "original_chunks", "case_originals",
                  "signoffs", "schema_version", "teams")

_ROLES = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_owner') THEN
        CREATE ROLE desk_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_reviewer') THEN
        CREATE ROLE desk_reviewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_editor') THEN
        CREATE ROLE desk_editor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'desk_admin') THEN
        CREATE ROLE desk_admin NOLOGIN;
    END IF;
    IF NOT pg_has_role('desk_editor', 'desk_reviewer', 'MEMBER') THEN
        GRANT desk_reviewer TO desk_editor;
    END IF;
    EXECUTE format('GRANT CREATE, CONNECT ON DATABASE %I TO desk_owner', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO desk_reviewer, desk_admin',
                   current_database());
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'desk_owner', 'MEMBER') THEN
        EXECUTE format('GRANT desk_owner TO %I', current_user);
    END IF;
END
$$
"""

_V1_OBJECTS: tuple[str, ...] = (
    "CREATE SCHEMA desk AUTHORIZATION desk_owner",
    "REVOKE ALL ON SCHEMA desk FROM PUBLIC",
    "GRANT USAGE ON SCHEMA desk TO desk_reviewer, desk_admin",
    # ------------------------------------------------------------------ tables
    """CREATE TABLE desk.schema_version (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by name NOT NULL DEFAULT session_user,
        desk_version text NOT NULL
    )""",
    """CREATE TABLE desk.teams (
        id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by name NOT NULL DEFAULT session_user
    )""",
    # Who is in which team, as what. Logins are cluster-wide roles; membership is per database.
    """CREATE TABLE desk.members (
        team_id text NOT NULL REFERENCES desk.teams(id),
        login name NOT NULL,
        role text NOT NULL CHECK (role IN ('reviewer', 'editor')),
        added_at timestamptz NOT NULL DEFAULT now(),
        added_by name NOT NULL DEFAULT session_user,
        PRIMARY KEY (team_id, login)
    )""",
    # A case is named by the hash of its first custody entry: every copy of it shares that.
    f"""CREATE TABLE desk.cases (
        id text PRIMARY KEY CHECK (id ~ {_HEX64}),
        team_id text NOT NULL REFERENCES desk.teams(id),
        title text NOT NULL DEFAULT '',
        format integer NOT NULL,
        created_by name NOT NULL DEFAULT session_user,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    )""",
    # The custody log, entry by entry exactly as the case file holds it, append-only per case.
    f"""CREATE TABLE desk.entries (
        case_id text NOT NULL REFERENCES desk.cases(id),
        seq integer NOT NULL CHECK (seq >= 1),
        at text NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        items text NOT NULL,
        detail text NOT NULL,
        version text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL CHECK (hash ~ {_HEX64}),
        rows_text text NOT NULL DEFAULT '',
        signer text NOT NULL DEFAULT '',
        signature text NOT NULL DEFAULT '',
        pushed_by name NOT NULL DEFAULT session_user,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (case_id, seq),
        UNIQUE (case_id, hash)
    )""",
    # The values of rows, by the digest the entries record for them (desk.core.tracking).
    f"""CREATE TABLE desk.row_versions (
        case_id text NOT NULL REFERENCES desk.cases(id),
        digest text NOT NULL CHECK (digest ~ {_HEX64}),
        tbl text NOT NULL,
        key text NOT NULL,
        doc text NOT NULL,
        pushed_by name NOT NULL DEFAULT session_user,
        PRIMARY KEY (case_id, digest)
    )""",
    # Originals, once per SHA-256 across all cases, in chunks; the server hashes each chunk.
    f"""CREATE TABLE desk.original_chunks (
        sha256 text NOT NULL CHECK (sha256 ~ {_HEX64}),
        n integer NOT NULL CHECK (n >= 0),
        data bytea NOT NULL,
        chunk_sha256 bytea GENERATED ALWAYS AS (sha256(data)) STORED,
        uploaded_by name NOT NULL DEFAULT session_user,
        uploaded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sha256, n)
    )""",
    # Media are compressed already: stored out of line as they are, not run through pglz.
    "ALTER TABLE desk.original_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
    # An original counts as stored once this row exists (its trigger checks the chunks).
    f"""CREATE TABLE desk.originals (
        sha256 text PRIMARY KEY CHECK (sha256 ~ {_HEX64}),
        size bigint NOT NULL CHECK (size >= 0),
        chunk_size integer NOT NULL CHECK (chunk_size > 0),
        chunks integer NOT NULL CHECK (chunks >= 0),
        server_checked boolean NOT NULL DEFAULT false,
        stored_by name NOT NULL DEFAULT session_user,
        stored_at timestamptz NOT NULL DEFAULT now()
    )""",
    f"""CREATE TABLE desk.case_originals (
        case_id text NOT NULL REFERENCES desk.cases(id),
        sha256 text NOT NULL CHECK (sha256 ~ {_HEX64}),
        PRIMARY KEY (case_id, sha256)
    )""",
    # A second person's sign-off of a verdict (phase 2 fills it): it covers the verdict's row
    # digest and the dossier manifest it would publish, at a custody head, signed by the key.
    f"""CREATE TABLE desk.signoffs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id text NOT NULL REFERENCES desk.cases(id),
        claim_id integer NOT NULL,
        decision text NOT NULL CHECK (decision IN ('approved', 'sent back')),
        note text NOT NULL DEFAULT '',
        verdict_digest text NOT NULL CHECK (verdict_digest ~ {_HEX64}),
        manifest_sha256 text NOT NULL DEFAULT '',
        entry_hash text NOT NULL CHECK (entry_hash ~ {_HEX64}),
        signer text NOT NULL,
        signature text NOT NULL,
        signed_by name NOT NULL DEFAULT session_user,
        signed_at timestamptz NOT NULL DEFAULT now()
    )""",
    "CREATE INDEX entries_pushed ON desk.entries (case_id, pushed_at)",
    "CREATE INDEX case_originals_sha ON desk.case_originals (sha256)",
    "CREATE INDEX cases_team ON desk.cases (team_id)",
    "CREATE INDEX members_login ON desk.members (login)",
    # ------------------------------------------------------------------ who the login is
    # SECURITY DEFINER, owned by desk_owner (who is not subject to the policies): the policies
    # ask them, so membership is read whole without a policy on members calling itself.
    """CREATE FUNCTION desk.my_teams() RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT team_id FROM desk.members WHERE login = session_user $$""",
    """CREATE FUNCTION desk.is_admin() RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT pg_has_role(session_user, 'desk_admin', 'MEMBER') $$""",
    """CREATE FUNCTION desk.case_writable(c text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT EXISTS (SELECT 1 FROM desk.cases k JOIN desk.members m
                             ON m.team_id = k.team_id
                             WHERE k.id = c AND m.login = session_user) $$""",
    """CREATE FUNCTION desk.case_visible(c text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT desk.case_writable(c) OR desk.is_admin() $$""",
    """CREATE FUNCTION desk.case_editor(c text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT EXISTS (SELECT 1 FROM desk.cases k JOIN desk.members m
                             ON m.team_id = k.team_id
                             WHERE k.id = c AND m.login = session_user
                               AND m.role = 'editor') $$""",
    """CREATE FUNCTION desk.original_visible(sha text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT EXISTS (SELECT 1 FROM desk.case_originals co
                             WHERE co.sha256 = sha AND desk.case_visible(co.case_id)) $$""",
    """CREATE FUNCTION desk.original_claimed(sha text) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT EXISTS (SELECT 1 FROM desk.case_originals co
                             WHERE co.sha256 = sha AND desk.case_writable(co.case_id)) $$""",
    # ------------------------------------------------------------------ history stays
    """CREATE FUNCTION desk.refuse_rewrite() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            RAISE EXCEPTION 'desk: % on desk.% is refused: the team server''s history is'
                            ' append-only (nobody may rewrite or remove it)',
                            TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END $$""",
    # An entry must follow the server's last entry of its case: whole chains, no gaps, no forks.
    """CREATE FUNCTION desk.entry_follows() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            last_seq integer;
            last_hash text;
        BEGIN
            SELECT seq, hash INTO last_seq, last_hash FROM desk.entries
                WHERE case_id = NEW.case_id ORDER BY seq DESC LIMIT 1;
            IF NOT FOUND THEN
                last_seq := 0;
                last_hash := repeat('0', 64);
            END IF;
            IF NEW.seq <> last_seq + 1 OR NEW.prev_hash <> last_hash THEN
                RAISE EXCEPTION 'desk: custody entry % does not follow the server''s last'
                                ' entry % of case %', NEW.seq, last_seq, NEW.case_id
                    USING ERRCODE = 'check_violation';
            END IF;
            NEW.pushed_by := session_user;
            NEW.pushed_at := now();
            RETURN NEW;
        END $$""",
    # Who wrote a row is the login, whatever the client put in that column.
    """CREATE FUNCTION desk.stamp_chunk() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            NEW.uploaded_by := session_user;
            NEW.uploaded_at := now();
            RETURN NEW;
        END $$""",
    """CREATE FUNCTION desk.stamp_case() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                NEW.created_by := session_user;
                NEW.created_at := now();
            END IF;
            NEW.updated_at := now();
            RETURN NEW;
        END $$""",
    """CREATE FUNCTION desk.stamp_row_version() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            NEW.pushed_by := session_user;
            RETURN NEW;
        END $$""",
    """CREATE FUNCTION desk.stamp_signoff() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            NEW.signed_by := session_user;
            NEW.signed_at := now();
            RETURN NEW;
        END $$""",
    """CREATE FUNCTION desk.stamp_member() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
            NEW.added_by := session_user;
            NEW.added_at := now();
            RETURN NEW;
        END $$""",
    # An original is stored only whole: every chunk there, the sizes adding up, and (up to
    # SERVER_HASH_LIMIT) the bytes hashing to its name, checked here by the server itself.
    f"""CREATE FUNCTION desk.original_complete() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            got_chunks integer;
            got_size bigint;
            misfits integer;
            whole bytea;
        BEGIN
            SELECT count(*), coalesce(sum(octet_length(data)), 0) INTO got_chunks, got_size
                FROM desk.original_chunks WHERE sha256 = NEW.sha256;
            SELECT count(*) INTO misfits FROM desk.original_chunks
                WHERE sha256 = NEW.sha256 AND (n >= NEW.chunks
                      OR (n < NEW.chunks - 1 AND octet_length(data) <> NEW.chunk_size));
            IF got_chunks <> NEW.chunks OR got_size <> NEW.size OR misfits > 0 THEN
                RAISE EXCEPTION 'desk: original % is incomplete on the server (% of % chunks,'
                                ' % of % bytes)', NEW.sha256, got_chunks, NEW.chunks,
                                got_size, NEW.size
                    USING ERRCODE = 'check_violation';
            END IF;
            NEW.server_checked := false;
            IF NEW.size <= {SERVER_HASH_LIMIT} THEN
                SELECT sha256(coalesce(string_agg(data, ''::bytea ORDER BY n), ''::bytea))
                    INTO whole FROM desk.original_chunks WHERE sha256 = NEW.sha256;
                IF encode(whole, 'hex') <> NEW.sha256 THEN
                    RAISE EXCEPTION 'desk: the chunks of original % hash to %, not to its name',
                                    NEW.sha256, encode(whole, 'hex')
                        USING ERRCODE = 'check_violation';
                END IF;
                NEW.server_checked := true;
            END IF;
            NEW.stored_by := session_user;
            NEW.stored_at := now();
            RETURN NEW;
        END $$""",
    """CREATE TRIGGER entries_follow BEFORE INSERT ON desk.entries
        FOR EACH ROW EXECUTE FUNCTION desk.entry_follows()""",
    """CREATE TRIGGER original_chunks_stamp BEFORE INSERT ON desk.original_chunks
        FOR EACH ROW EXECUTE FUNCTION desk.stamp_chunk()""",
    """CREATE TRIGGER originals_complete BEFORE INSERT ON desk.originals
        FOR EACH ROW EXECUTE FUNCTION desk.original_complete()""",
    """CREATE TRIGGER cases_stamp BEFORE INSERT OR UPDATE ON desk.cases
        FOR EACH ROW EXECUTE FUNCTION desk.stamp_case()""",
    """CREATE TRIGGER row_versions_stamp BEFORE INSERT ON desk.row_versions
        FOR EACH ROW EXECUTE FUNCTION desk.stamp_row_version()""",
    """CREATE TRIGGER signoffs_stamp BEFORE INSERT ON desk.signoffs
        FOR EACH ROW EXECUTE FUNCTION desk.stamp_signoff()""",
    """CREATE TRIGGER members_stamp BEFORE INSERT OR UPDATE ON desk.members
        FOR EACH ROW EXECUTE FUNCTION desk.stamp_member()""",
    *(stmt for table in HISTORY_TABLES for stmt in (
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON desk.{table}
            FOR EACH ROW EXECUTE FUNCTION desk.refuse_rewrite()""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON desk.{table}
            FOR EACH STATEMENT EXECUTE FUNCTION desk.refuse_rewrite()""",
    )),
    # A case is not history but its summary; it is never removed either.
    """CREATE TRIGGER cases_no_delete BEFORE DELETE ON desk.cases
        FOR EACH ROW EXECUTE FUNCTION desk.refuse_rewrite()""",
    """CREATE TRIGGER cases_no_truncate BEFORE TRUNCATE ON desk.cases
        FOR EACH STATEMENT EXECUTE FUNCTION desk.refuse_rewrite()""",
    # ------------------------------------------------------------------ grants
    "REVOKE ALL ON ALL TABLES IN SCHEMA desk FROM PUBLIC",
    "REVOKE ALL ON ALL FUNCTIONS IN SCHEMA desk FROM PUBLIC",
    "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA desk TO desk_reviewer, desk_admin",
    "GRANT SELECT ON ALL TABLES IN SCHEMA desk TO desk_reviewer, desk_admin",
    """GRANT INSERT ON desk.cases, desk.entries, desk.row_versions, desk.case_originals,
        desk.original_chunks, desk.originals TO desk_reviewer""",
    "GRANT UPDATE (title, updated_at) ON desk.cases TO desk_reviewer",
    "GRANT INSERT ON desk.signoffs TO desk_editor",
    "GRANT INSERT ON desk.teams TO desk_admin",
    "GRANT INSERT, DELETE ON desk.members TO desk_admin",
    "GRANT UPDATE (role) ON desk.members TO desk_admin",
    # ------------------------------------------------------------------ row-level security
    *(f"ALTER TABLE desk.{t} ENABLE ROW LEVEL SECURITY" for t in (
        "teams", "members", "cases", "entries", "row_versions", "original_chunks", "originals",
        "case_originals", "signoffs")),
    """CREATE POLICY teams_read ON desk.teams FOR SELECT
        USING (id IN (SELECT desk.my_teams()) OR desk.is_admin())""",
    "CREATE POLICY teams_add ON desk.teams FOR INSERT WITH CHECK (desk.is_admin())",
    """CREATE POLICY members_read ON desk.members FOR SELECT
        USING (team_id IN (SELECT desk.my_teams()) OR desk.is_admin())""",
    "CREATE POLICY members_add ON desk.members FOR INSERT WITH CHECK (desk.is_admin())",
    """CREATE POLICY members_change ON desk.members FOR UPDATE
        USING (desk.is_admin()) WITH CHECK (desk.is_admin())""",
    "CREATE POLICY members_remove ON desk.members FOR DELETE USING (desk.is_admin())",
    """CREATE POLICY cases_read ON desk.cases FOR SELECT
        USING (team_id IN (SELECT desk.my_teams()) OR desk.is_admin())""",
    """CREATE POLICY cases_add ON desk.cases FOR INSERT
        WITH CHECK (team_id IN (SELECT desk.my_teams()))""",
    """CREATE POLICY cases_retitle ON desk.cases FOR UPDATE
        USING (team_id IN (SELECT desk.my_teams()))
        WITH CHECK (team_id IN (SELECT desk.my_teams()))""",
    *(stmt for t in ("entries", "row_versions", "case_originals") for stmt in (
        f"CREATE POLICY {t}_read ON desk.{t} FOR SELECT USING (desk.case_visible(case_id))",
        f"""CREATE POLICY {t}_add ON desk.{t} FOR INSERT
            WITH CHECK (desk.case_writable(case_id))""",
    )),
    *(stmt for t in ("original_chunks", "originals") for stmt in (
        f"CREATE POLICY {t}_read ON desk.{t} FOR SELECT USING (desk.original_visible(sha256))",
        f"""CREATE POLICY {t}_add ON desk.{t} FOR INSERT
            WITH CHECK (desk.original_claimed(sha256))""",
    )),
    "CREATE POLICY signoffs_read ON desk.signoffs FOR SELECT USING (desk.case_visible(case_id))",
    """CREATE POLICY signoffs_add ON desk.signoffs FOR INSERT
        WITH CHECK (desk.case_editor(case_id))""",
)


# Version 2: a case's history may fork. Two reviewers who edited copies of the same state each
# push their own entries after it (each entry still follows one the server holds, whole and
# signed); `desk team sync` joins the branches with a merge entry (`desk.team.merge`). The
# order the server received entries in is kept (`n`), so readers agree on it.
_V2_OBJECTS: tuple[str, ...] = (
    "ALTER TABLE desk.entries DROP CONSTRAINT entries_pkey",
    "ALTER TABLE desk.entries ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY",
    "CREATE UNIQUE INDEX entries_order ON desk.entries (n)",
    "CREATE INDEX entries_case_seq ON desk.entries (case_id, seq)",
    """CREATE OR REPLACE FUNCTION desk.entry_follows() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            parent_seq integer;
            any_entry boolean;
        BEGIN
            SELECT EXISTS (SELECT 1 FROM desk.entries WHERE case_id = NEW.case_id)
                INTO any_entry;
            IF NEW.seq = 1 AND NEW.prev_hash = repeat('0', 64) AND NOT any_entry THEN
                NULL;  -- the case's first entry
            ELSE
                SELECT seq INTO parent_seq FROM desk.entries
                    WHERE case_id = NEW.case_id AND hash = NEW.prev_hash;
                IF NOT FOUND OR NEW.seq <> parent_seq + 1 THEN
                    RAISE EXCEPTION 'desk: custody entry % does not follow the server''s last'
                                    ' entry of its branch (no entry % of case % has the hash'
                                    ' it follows)', NEW.seq, NEW.seq - 1, NEW.case_id
                        USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            NEW.pushed_by := session_user;
            NEW.pushed_at := now();
            RETURN NEW;
        END $$""",
    # The policies on a case's entries, row values and sign-offs ask once per query which cases
    # the login may see (a hashed subplan), not once per row: an incremental sync of a case
    # with thousands of entries stays a few milliseconds on the server.
    """CREATE FUNCTION desk.visible_cases() RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT k.id FROM desk.cases k
              WHERE k.team_id IN (SELECT team_id FROM desk.members WHERE login = session_user)
                 OR pg_has_role(session_user, 'desk_admin', 'MEMBER') $$""",
    """CREATE FUNCTION desk.writable_cases() RETURNS SETOF text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$ SELECT k.id FROM desk.cases k
              WHERE k.team_id IN (SELECT team_id FROM desk.members
                                  WHERE login = session_user) $$""",
    "REVOKE ALL ON FUNCTION desk.visible_cases(), desk.writable_cases() FROM PUBLIC",
    """GRANT EXECUTE ON FUNCTION desk.visible_cases(), desk.writable_cases()
        TO desk_reviewer, desk_admin""",
    *(stmt for t in ("entries", "row_versions", "case_originals") for stmt in (
        f"""ALTER POLICY {t}_read ON desk.{t}
            USING (case_id IN (SELECT desk.visible_cases()))""",
        f"""ALTER POLICY {t}_add ON desk.{t}
            WITH CHECK (case_id IN (SELECT desk.writable_cases()))""",
    )),
    """ALTER POLICY signoffs_read ON desk.signoffs
        USING (case_id IN (SELECT desk.visible_cases()))""",
    # An original of one chunk is checked by the hash its chunk was given on the way in,
    # not hashed a second time.
    f"""CREATE OR REPLACE FUNCTION desk.original_complete() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        DECLARE
            got_chunks integer;
            got_size bigint;
            misfits integer;
            whole bytea;
        BEGIN
            SELECT count(*), coalesce(sum(octet_length(data)), 0) INTO got_chunks, got_size
                FROM desk.original_chunks WHERE sha256 = NEW.sha256;
            SELECT count(*) INTO misfits FROM desk.original_chunks
                WHERE sha256 = NEW.sha256 AND (n >= NEW.chunks
                      OR (n < NEW.chunks - 1 AND octet_length(data) <> NEW.chunk_size));
            IF got_chunks <> NEW.chunks OR got_size <> NEW.size OR misfits > 0 THEN
                RAISE EXCEPTION 'desk: original % is incomplete on the server (% of % chunks,'
                                ' % of % bytes)', NEW.sha256, got_chunks, NEW.chunks,
                                got_size, NEW.size
                    USING ERRCODE = 'check_violation';
            END IF;
            NEW.server_checked := false;
            IF NEW.chunks = 1 OR NEW.size <= {SERVER_HASH_LIMIT} THEN
                IF NEW.chunks = 1 THEN
                    -- one chunk (a still): its hash, taken as it arrived, is the whole's
                    SELECT chunk_sha256 INTO whole FROM desk.original_chunks
                        WHERE sha256 = NEW.sha256 AND n = 0;
                ELSE
                    SELECT sha256(coalesce(string_agg(data, ''::bytea ORDER BY n), ''::bytea))
                        INTO whole FROM desk.original_chunks WHERE sha256 = NEW.sha256;
                END IF;
                IF encode(whole, 'hex') <> NEW.sha256 THEN
                    RAISE EXCEPTION 'desk: the chunks of original % hash to %, not to its name',
                                    NEW.sha256, encode(whole, 'hex')
                        USING ERRCODE = 'check_violation';
                END IF;
                NEW.server_checked := true;
            END IF;
            NEW.stored_by := session_user;
            NEW.stored_at := now();
            RETURN NEW;
        END $$""",
)


@dataclass(frozen=True)
class Migration:
    """One step of the schema: what it brings, and the statements that bring it."""

    version: int
    what: str
    #: Statements run as the connecting administrator (roles are cluster-wide objects).
    as_admin: tuple[str, ...]
    #: Statements run as desk_owner, so every object they make belongs to it.
    as_owner: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "roles, teams, members, cases, custody entries, row values, originals in"
                 " chunks, sign-offs; grants, row-level security and append-only triggers",
              (_ROLES,), _V1_OBJECTS),
    Migration(2, "custody histories that fork and are merged: entries keyed by hash, each"
                 " following an entry the server holds, in the order received",
              (), _V2_OBJECTS),
)
LATEST = MIGRATIONS[-1].version


@dataclass
class InitReport:
    url_where: str
    before: int
    after: int
    applied: list[Migration]


def init(url: str, progress: Callable[[str], None] | None = None) -> InitReport:
    """Create or upgrade desk's schema, one transaction for all steps: a failure leaves the
    database as it was."""
    from desk.team.server import where

    conn = connect(url)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INIT_LOCK,))
            before = schema_version(conn)
            if before > LATEST:
                raise TeamError(too_new_message(url, before))
            applied: list[Migration] = []
            for step in MIGRATIONS:
                if step.version <= before:
                    continue
                if progress:
                    progress(f"schema version {step.version}: {step.what}")
                for stmt in step.as_admin:
                    conn.execute(stmt)
                conn.execute("SET LOCAL ROLE desk_owner")
                for stmt in step.as_owner:
                    conn.execute(stmt)
                conn.execute(
                    "INSERT INTO desk.schema_version (version, desk_version) VALUES (%s, %s)",
                    (step.version, __version__))
                conn.execute("RESET ROLE")
                applied.append(step)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise TeamError(f"{where(url)} refused to set up desk's schema ({server_message(exc)});"
                        " `desk team init` needs a superuser or a role that may create roles"
                        " and databases objects; nothing was changed") from None
    except psycopg.Error as exc:
        raise TeamError(f"{where(url)} refused to set up desk's schema ({server_message(exc)});"
                        " nothing was changed") from None
    finally:
        conn.close()
    return InitReport(where(url), before, applied[-1].version if applied else before, applied)
