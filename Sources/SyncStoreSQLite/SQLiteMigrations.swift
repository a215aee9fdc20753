import GRDB
import SyncEngine

/// The SQLite schema, as GRDB migrations (each runs once, in order).
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                INSERT INTO meta (key, value) VALUES ('head', 0);

                -- Current state of every record; `version` is its last change-log version. Pull reads
                -- records by scope key and version, so it costs O(changes in scope), not O(county).
                CREATE TABLE records (
                    collection TEXT NOT NULL,
                    id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    household_id TEXT,
                    village_code TEXT,
                    helper_id TEXT,
                    fields BLOB NOT NULL,
                    stamps BLOB NOT NULL,
                    UNIQUE (collection, id)
                );
                CREATE UNIQUE INDEX records_version ON records (version);
                CREATE INDEX records_household ON records (household_id, version) WHERE household_id IS NOT NULL;
                CREATE INDEX records_helper ON records (helper_id, version) WHERE helper_id IS NOT NULL;
                CREATE INDEX records_village ON records (village_code, version) WHERE village_code IS NOT NULL;
                CREATE INDEX records_assignments ON records (helper_id, household_id)
                    WHERE collection = 'assignments' AND deleted = 0;

                CREATE TABLE devices (
                    device_id TEXT PRIMARY KEY NOT NULL,
                    helper_id TEXT NOT NULL,
                    label TEXT,
                    token_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    revoked INTEGER NOT NULL DEFAULT 0,
                    last_applied_seq INTEGER NOT NULL DEFAULT 0,
                    last_sync_at INTEGER,
                    cursor_version INTEGER NOT NULL DEFAULT 0,
                    client_version TEXT,
                    clock_skew_flagged INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX devices_helper ON devices (helper_id);

                -- The outcomes of every processed mutation, so a replay answers what it answered. One row per
                -- push (its new outcomes have consecutive numbers first_seq...last_seq): a row per mutation
                -- cost an index insert each and was a large part of the writer's time.
                CREATE TABLE outcomes (
                    device_id TEXT NOT NULL,
                    first_seq INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    results BLOB NOT NULL,
                    PRIMARY KEY (device_id, last_seq)
                ) WITHOUT ROWID;

                CREATE TABLE rejections (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    seq INTEGER,
                    code TEXT NOT NULL,
                    field TEXT,
                    message TEXT NOT NULL,
                    mutation BLOB NOT NULL,
                    at INTEGER NOT NULL,
                    resolved INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX rejections_device ON rejections (device_id, id);

                CREATE TABLE sync_log (
                    id INTEGER PRIMARY KEY,
                    device_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    pushed INTEGER NOT NULL,
                    applied INTEGER NOT NULL,
                    rejected INTEGER NOT NULL,
                    pulled INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    duration_us INTEGER NOT NULL,
                    client_version TEXT,
                    clock_skew INTEGER NOT NULL
                );
                CREATE INDEX sync_log_device ON sync_log (device_id, id);
                """)
        }
        migrator.registerMigration("v2-conflicts") { db in
            try db.execute(sql: """
                -- Field versions that differ from the record's version, and open-conflict markers
                -- (RecordCodec.encodeMeta); NULL when there are none.
                ALTER TABLE records ADD COLUMN meta BLOB;

                -- The review queue (protocol/conflicts.md): hard and deleted conflicts wait `open`, soft
                -- ones are `logged`. `body` is the whole conflict; the columns are what admins filter by.
                CREATE TABLE conflicts (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    record_id TEXT NOT NULL,
                    village_code TEXT,
                    body BLOB NOT NULL
                );
                CREATE INDEX conflicts_status ON conflicts (status, village_code, seq);
                CREATE INDEX conflicts_record ON conflicts (record_id, seq);
                """)
        }
        migrator.registerMigration("v3-scopes") { db in
            try db.execute(sql: """
                -- An admin's phone pulls a region (protocol/scopes.md §3); helper devices leave both NULL.
                ALTER TABLE devices ADD COLUMN role TEXT;
                ALTER TABLE devices ADD COLUMN region TEXT;

                -- Members and assignments now carry their household's village, so that region admins see
                -- them (a 16-digit household id starts with its 12-digit village code).
                UPDATE records SET village_code = substr(household_id, 1, 12)
                WHERE village_code IS NULL AND household_id IS NOT NULL AND length(household_id) = 16
                  AND household_id NOT GLOB '*[^0-9]*';
                UPDATE conflicts SET village_code = substr(record_id, 1, 12)
                WHERE village_code IS NULL AND collection = 'members' AND length(record_id) >= 16
                  AND substr(record_id, 1, 16) NOT GLOB '*[^0-9]*';

                -- The epoch names this database in cursors; the horizon is where compaction forgot records.
                INSERT INTO meta (key, value) VALUES ('epoch', abs(random() % 1099511627776));
                INSERT INTO meta (key, value) VALUES ('compacted_through', 0);

                -- Admin accounts: a role bound to a region, each with its own hashed token.
                CREATE TABLE admins (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    region TEXT NOT NULL,
                    token_hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        migrator.registerMigration("v4-conflict-villages") { db in
            // v3 gave member conflicts their village in the column only; region checks read the stored
            // conflict, so region admins could list those conflicts but not open or resolve them.
            try db.execute(sql: """
                UPDATE conflicts
                SET body = CAST(json_set(CAST(body AS TEXT), '$.villageCode', village_code) AS BLOB)
                WHERE village_code IS NOT NULL
                  AND json_extract(CAST(body AS TEXT), '$.villageCode') IS NULL;
                """)
        }
        migrator.registerMigration("v5-revisions") { db in
            // A record's version becomes its own revision and its place in the change log a separate
            // position (docs/log-positions.md). Both start at the old version: revisions stay monotonic per
            // record and comparable with every base a device already holds; the stored field versions (those
            // that differ from the record's) keep their meaning. The indexes follow the renamed column.
            try db.execute(sql: """
                ALTER TABLE records RENAME COLUMN version TO position;
                ALTER TABLE records ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                UPDATE records SET revision = position;
                """)
        }
        migrator.registerMigration("v6-device-keys") { db in
            // Enrolment with a one-time code and a device key (protocol/security.md): the device's public
            // key, a refresh token beside the access token, when it was revoked, and the codes (hashed).
            try db.execute(sql: """
                ALTER TABLE devices ADD COLUMN public_key TEXT;
                ALTER TABLE devices ADD COLUMN refresh_hash TEXT;
                ALTER TABLE devices ADD COLUMN refresh_expires_at INTEGER;
                ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
                ALTER TABLE devices ADD COLUMN refresh_previous_hash TEXT;
                CREATE TABLE enrolment_codes (
                    code_hash TEXT PRIMARY KEY,
                    helper_id TEXT NOT NULL,
                    role TEXT,
                    region TEXT,
                    label TEXT,
                    created_by TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    device_id TEXT
                );
                """)
        }
        migrator.registerMigration("v7-audit") { db in
            // The audit log (protocol/audit.md): entries chained inside the write transaction (one writer),
            // `hash` = SHA-256 over (seq, prev_hash, body). The collection and record id repeat what the body
            // says, for the record-history index only; verification reads the chain. The head row names
            // the newest entry, so deleting the last entries without rewriting it shows.
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    seq INTEGER PRIMARY KEY,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    collection TEXT,
                    record_id TEXT,
                    body BLOB NOT NULL
                );
                CREATE INDEX audit_log_record ON audit_log (collection, record_id, seq) WHERE record_id IS NOT NULL;
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq INTEGER NOT NULL,
                    hash TEXT NOT NULL
                );
                INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(AuditHead.empty.hash)');
                """)
        }
        migrator.registerMigration("v8-audit-append-only") { db in
            // The audit log is append-only in the database too (protocol/audit.md §5): no statement on any
            // connection may change or delete an entry, whatever the server's code does. The store only ever
            // inserts. Someone who can write the file can drop these triggers; the hash chain and the kept
            // anchor are what catch them.
            try db.execute(sql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """)
        }
        migrator.registerMigration("v9-cards") { db in
            // The 明白卡 ledger (protocol/cards.md §5). Cards are never changed after issue, except that one can
            // be revoked. `card_households` holds per household the hash of what a card issued now would print
            // (the service's projection of the log, `computed_through` the log position it was computed
            // through) beside its newest card's hash; `status` (0 no card, 1 current, 2 outdated) is set by
            // every statement that writes either hash, so that the reprint list is an index range, not a scan.
            try db.execute(sql: """
                CREATE TABLE cards (
                    card_id TEXT PRIMARY KEY NOT NULL,
                    household_id TEXT NOT NULL,
                    village_code TEXT NOT NULL,
                    key_id TEXT NOT NULL,
                    household_revision INTEGER NOT NULL,
                    issued_at INTEGER NOT NULL,
                    content_hash TEXT NOT NULL,
                    issuer TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX cards_household ON cards (household_id);
                CREATE INDEX cards_revoked ON cards (key_id, card_id) WHERE revoked_at IS NOT NULL;
                CREATE TABLE card_households (
                    household_id TEXT PRIMARY KEY NOT NULL,
                    village_code TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    computed_through INTEGER NOT NULL,
                    newest_card_id TEXT,
                    newest_hash TEXT,
                    status INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX card_households_status ON card_households (status, village_code, household_id);
                CREATE TABLE card_revocation_counters (key_id TEXT PRIMARY KEY NOT NULL, counter INTEGER NOT NULL);
                INSERT INTO meta (key, value) VALUES ('card_projection', 0);
                """)
        }
        return migrator
    }
}
