import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations that each run once, in order, in one transaction. Several
/// nodes may start at once: an advisory lock lets one migrate while the others wait.
///
/// Identifier columns use the "C" collation: region-code prefixes are matched with range scans
/// (`village_code >= '522327' AND village_code < '522327:'`), which need byte order, as in SQLite.
enum PostgresMigrations {
    /// The advisory-lock key held while migrating ("bangfu" in ASCII).
    static let lockKey: Int64 = 0x6261_6e67_6675

    static let all: [(name: String, sql: [String])] = [
        ("v1", [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            "INSERT INTO meta (key, value) VALUES ('head', 0), ('compacted_through', 0)",
            // The epoch names this database in cursors (protocol/scopes.md §6).
            "INSERT INTO meta (key, value) VALUES ('epoch', floor(random() * 1099511627776)::bigint)",
            """
            CREATE TABLE records (
                collection TEXT COLLATE "C" NOT NULL,
                id TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL,
                deleted BOOLEAN NOT NULL DEFAULT FALSE,
                household_id TEXT COLLATE "C",
                village_code TEXT COLLATE "C",
                helper_id TEXT COLLATE "C",
                fields BYTEA NOT NULL,
                stamps BYTEA NOT NULL,
                meta BYTEA,
                PRIMARY KEY (collection, id)
            )
            """,
            "CREATE UNIQUE INDEX records_version ON records (version)",
            "CREATE INDEX records_household ON records (household_id, version) WHERE household_id IS NOT NULL",
            "CREATE INDEX records_helper ON records (helper_id, version) WHERE helper_id IS NOT NULL",
            "CREATE INDEX records_village ON records (village_code, version) WHERE village_code IS NOT NULL",
            """
            CREATE INDEX records_assignments ON records (helper_id, household_id)
                WHERE collection = 'assignments' AND deleted = FALSE
            """,
            """
            CREATE TABLE devices (
                device_id TEXT COLLATE "C" PRIMARY KEY,
                helper_id TEXT COLLATE "C" NOT NULL,
                label TEXT,
                token_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                revoked BOOLEAN NOT NULL DEFAULT FALSE,
                last_applied_seq BIGINT NOT NULL DEFAULT 0,
                last_sync_at BIGINT,
                cursor_version BIGINT NOT NULL DEFAULT 0,
                client_version TEXT,
                clock_skew_flagged BOOLEAN NOT NULL DEFAULT FALSE,
                role TEXT,
                region TEXT COLLATE "C"
            )
            """,
            "CREATE INDEX devices_helper ON devices (helper_id)",
            """
            CREATE TABLE outcomes (
                device_id TEXT COLLATE "C" NOT NULL,
                first_seq BIGINT NOT NULL,
                last_seq BIGINT NOT NULL,
                results BYTEA NOT NULL,
                PRIMARY KEY (device_id, last_seq)
            )
            """,
            """
            CREATE TABLE rejections (
                id BIGSERIAL PRIMARY KEY,
                device_id TEXT COLLATE "C" NOT NULL,
                seq BIGINT,
                code TEXT NOT NULL,
                field TEXT,
                message TEXT NOT NULL,
                mutation BYTEA NOT NULL,
                at BIGINT NOT NULL,
                resolved BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
            "CREATE INDEX rejections_device ON rejections (device_id, id)",
            """
            CREATE TABLE sync_log (
                id BIGSERIAL PRIMARY KEY,
                device_id TEXT COLLATE "C" NOT NULL,
                kind TEXT NOT NULL,
                at BIGINT NOT NULL,
                pushed INTEGER NOT NULL,
                applied INTEGER NOT NULL,
                rejected INTEGER NOT NULL,
                pulled INTEGER NOT NULL,
                version BIGINT NOT NULL,
                duration_us BIGINT NOT NULL,
                client_version TEXT,
                clock_skew BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX sync_log_device ON sync_log (device_id, id)",
            """
            CREATE TABLE conflicts (
                seq BIGSERIAL PRIMARY KEY,
                id TEXT COLLATE "C" NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                collection TEXT COLLATE "C" NOT NULL,
                record_id TEXT COLLATE "C" NOT NULL,
                village_code TEXT COLLATE "C",
                body BYTEA NOT NULL
            )
            """,
            "CREATE INDEX conflicts_status ON conflicts (status, village_code, seq)",
            "CREATE INDEX conflicts_record ON conflicts (record_id, seq)",
            """
            CREATE TABLE admins (
                id TEXT COLLATE "C" PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                region TEXT COLLATE "C" NOT NULL,
                token_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                disabled BOOLEAN NOT NULL DEFAULT FALSE
            )
            """,
        ]),
        ("v2-revisions", [
            // A record's version becomes its own revision; its place in the change log is a separate
            // position, NULL from the write's commit until the sequencer stamps it (docs/log-positions.md).
            // Both start at the old version, so revisions stay comparable with every base a device holds.
            "ALTER TABLE records RENAME COLUMN version TO position",
            "ALTER TABLE records ALTER COLUMN position DROP NOT NULL",
            "ALTER TABLE records ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
            "UPDATE records SET revision = position",
            "CREATE SEQUENCE log_position AS BIGINT",
            """
            SELECT setval('log_position', GREATEST(value, 1), value > 0) FROM meta WHERE key = 'head'
            """,
            // What the sequencer looks for on every tick: only the rows not yet in the log.
            "CREATE INDEX records_unsequenced ON records (collection, id) WHERE position IS NULL",
        ]),
        ("v3-device-keys", [
            // Enrolment with a one-time code and a device key (protocol/security.md).
            "ALTER TABLE devices ADD COLUMN public_key TEXT",
            "ALTER TABLE devices ADD COLUMN refresh_hash TEXT",
            "ALTER TABLE devices ADD COLUMN refresh_expires_at BIGINT",
            "ALTER TABLE devices ADD COLUMN revoked_at BIGINT",
            "ALTER TABLE devices ADD COLUMN refresh_previous_hash TEXT",
            """
            CREATE TABLE enrolment_codes (
                code_hash TEXT COLLATE "C" PRIMARY KEY,
                helper_id TEXT COLLATE "C" NOT NULL,
                role TEXT,
                region TEXT COLLATE "C",
                label TEXT,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                device_id TEXT COLLATE "C"
            )
            """,
        ]),
        ("v4-audit", [
            // The audit log (protocol/audit.md). Writers insert entries unchained (seq NULL) in their own
            // transaction; the sequencer tick, serial under its advisory lock, numbers and hashes them in
            // `id` order and moves the head row (PostgresSyncStore+Audit.swift). `collection` and
            // `record_id` repeat the body for the record-history index only.
            """
            CREATE TABLE audit_log (
                id BIGSERIAL PRIMARY KEY,
                seq BIGINT UNIQUE,
                prev_hash TEXT,
                hash TEXT,
                collection TEXT COLLATE "C",
                record_id TEXT COLLATE "C",
                body BYTEA NOT NULL
            )
            """,
            "CREATE INDEX audit_log_unchained ON audit_log (id) WHERE seq IS NULL",
            "CREATE INDEX audit_log_record ON audit_log (collection, record_id, seq) WHERE record_id IS NOT NULL",
            "CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
        ]),
        ("v5-audit-append-only", [
            // The audit log is append-only in the database too (protocol/audit.md §5). The one change a
            // row may see is the sequencer chaining it: an unchained row (seq NULL) gets its seq, prev_hash
            // and hash, its id, body and record columns unchanged. Anything else (editing or renumbering a
            // chained entry, rewriting an unchained one's body, DELETE, TRUNCATE) raises. The table's owner
            // can drop the triggers; the hash chain and the kept anchor are what catch that.
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.id = OLD.id AND NEW.body = OLD.body
                        AND NEW.collection IS NOT DISTINCT FROM OLD.collection
                        AND NEW.record_id IS NOT DISTINCT FROM OLD.record_id THEN
                        RETURN NEW;
                    END IF;
                END IF;
                RAISE EXCEPTION 'audit_log is append-only (%)', TG_OP;
            END
            $$
            """,
            """
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
            """,
            """
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
            """,
        ]),
        ("v6-cards", [
            // The 明白卡 ledger (protocol/cards.md §5), as in SQLite's v9-cards: cards never change after issue
            // except for one revocation; `card_households` holds per household the hash of what a card issued
            // now would print (projected from the log through `computed_through`) beside its newest card's
            // hash, and `status` (0 no card, 1 current, 2 outdated), set by every statement that writes either,
            // so that the reprint list is an index range.
            """
            CREATE TABLE cards (
                seq BIGSERIAL PRIMARY KEY,
                card_id TEXT COLLATE "C" NOT NULL UNIQUE,
                household_id TEXT COLLATE "C" NOT NULL,
                village_code TEXT COLLATE "C" NOT NULL,
                key_id TEXT COLLATE "C" NOT NULL,
                household_revision BIGINT NOT NULL,
                issued_at BIGINT NOT NULL,
                content_hash TEXT NOT NULL,
                issuer TEXT NOT NULL,
                payload TEXT NOT NULL,
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX cards_household ON cards (household_id, seq)",
            "CREATE INDEX cards_revoked ON cards (key_id, card_id) WHERE revoked_at IS NOT NULL",
            """
            CREATE TABLE card_households (
                household_id TEXT COLLATE "C" PRIMARY KEY,
                village_code TEXT COLLATE "C" NOT NULL,
                content_hash TEXT NOT NULL,
                revision BIGINT NOT NULL,
                computed_through BIGINT NOT NULL,
                newest_card_id TEXT COLLATE "C",
                newest_hash TEXT,
                status SMALLINT NOT NULL
            )
            """,
            "CREATE INDEX card_households_status ON card_households (status, village_code, household_id)",
            "CREATE TABLE card_revocation_counters (key_id TEXT COLLATE \"C\" PRIMARY KEY, counter BIGINT NOT NULL)",
            "INSERT INTO meta (key, value) VALUES ('card_projection', 0)",
        ]),
    ]

    /// Applies the migrations not yet applied.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS bangfu_migrations (name TEXT PRIMARY KEY)",
                                       logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM bangfu_migrations", logger: logger)
                .decode(String.self) { applied.insert(name) }
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO bangfu_migrations (name) VALUES (\(migration.name))",
                                           logger: logger)
            }
        }
    }
}
