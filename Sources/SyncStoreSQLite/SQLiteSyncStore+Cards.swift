import Foundation
import GRDB
import SyncEngine
import SyncModel
import SyncStore

// The `CardLedger` port on SQLite (migration v9-cards). `status` is recomputed by every statement that
// writes a household's content hash or its newest card, from the two hashes (SQL `cardStatus`).
extension SQLiteSyncStore {
    package func insertCard(_ card: IssuedCard, audit: [AuditEntry]) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO cards (card_id, household_id, village_code, key_id, household_revision, issued_at,
                                   content_hash, issuer, payload, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                """, arguments: [card.cardId, card.householdId, card.villageCode, card.keyId, card.householdRevision,
                                 card.issuedAt, card.contentHash, card.issuer, card.payload])
            try db.execute(sql: """
                INSERT INTO card_households (household_id, village_code, content_hash, revision, computed_through,
                                             newest_card_id, newest_hash, status)
                VALUES (?, ?, ?, ?, 0, ?, ?, 1)
                ON CONFLICT (household_id) DO UPDATE SET newest_card_id = excluded.newest_card_id,
                    newest_hash = excluded.newest_hash,
                    status = CASE WHEN status = 3 THEN 3 WHEN content_hash = excluded.newest_hash THEN 1 ELSE 2 END
                """, arguments: [card.householdId, card.villageCode, card.contentHash, card.householdRevision,
                                 card.cardId, card.contentHash])
            try Self.appendAudit(audit, db: db)
        }
    }

    package func card(id: String) async throws -> IssuedCard? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM cards WHERE card_id = ?", arguments: [id]).map(Self.issuedCard)
        }
    }

    package func cards(ofHousehold householdId: String, limit: Int) async throws -> [IssuedCard] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM cards WHERE household_id = ? ORDER BY rowid DESC LIMIT ?
                """, arguments: [householdId, max(limit, 0)]).map(Self.issuedCard)
        }
    }

    package func revokeCard(id: String, at: Int64, audit: [AuditEntry]) async throws -> IssuedCard? {
        try await pool.write { db in
            guard let card = try Row.fetchOne(db, sql: "SELECT * FROM cards WHERE card_id = ?", arguments: [id])
                .map(Self.issuedCard) else { return nil }
            guard card.revokedAt == nil else { return card }
            try db.execute(sql: "UPDATE cards SET revoked_at = ? WHERE card_id = ?", arguments: [at, id])
            try db.execute(sql: """
                UPDATE card_households SET newest_hash = NULL, status = CASE WHEN status = 3 THEN 3 ELSE 0 END
                WHERE household_id = ? AND newest_card_id = ?
                """, arguments: [card.householdId, id])
            try db.execute(sql: """
                INSERT INTO card_revocation_counters (key_id, counter) VALUES (?, 1)
                ON CONFLICT (key_id) DO UPDATE SET counter = counter + 1
                """, arguments: [card.keyId])
            try Self.appendAudit(audit, db: db)
            var revoked = card
            revoked.revokedAt = at
            return revoked
        }
    }

    package func cardRevocations() async throws -> [CardRevocations] {
        try await pool.read { db in
            var lists: [String: CardRevocations] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_id, counter FROM card_revocation_counters") {
                lists[row["key_id"]] = CardRevocations(keyId: row["key_id"], counter: row["counter"], cardIds: [])
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT key_id, card_id FROM cards WHERE revoked_at IS NOT NULL ORDER BY key_id, card_id
                """) {
                lists[row["key_id"]]?.cardIds.append(row["card_id"])
            }
            return lists.keys.sorted().map { lists[$0]! }
        }
    }

    package func cardProjectionPosition() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'card_projection'") ?? 0
        }
    }

    package func updateCardStates(_ states: [HouseholdCardState], through: Int64, advance: Bool) async throws {
        try await pool.write { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO card_households (household_id, village_code, content_hash, revision, computed_through,
                                             newest_card_id, newest_hash, status)
                VALUES (?, ?, ?, ?, ?, NULL, NULL, 0)
                ON CONFLICT (household_id) DO UPDATE SET village_code = excluded.village_code,
                    content_hash = excluded.content_hash, revision = excluded.revision,
                    computed_through = excluded.computed_through,
                    status = CASE WHEN newest_hash IS NULL THEN 0 WHEN newest_hash = excluded.content_hash THEN 1 ELSE 2 END
                WHERE computed_through <= excluded.computed_through
                """)
            // A deleted household: status 3, outside every listing and count, keeping its position.
            let remove = try db.cachedStatement(sql: """
                INSERT INTO card_households (household_id, village_code, content_hash, revision, computed_through,
                                             newest_card_id, newest_hash, status)
                VALUES (?, '', '', 0, ?, NULL, NULL, 3)
                ON CONFLICT (household_id) DO UPDATE SET status = 3, content_hash = '',
                    computed_through = excluded.computed_through
                WHERE computed_through <= excluded.computed_through
                """)
            for state in states {
                if let hash = state.contentHash {
                    try upsert.execute(arguments: [state.householdId, state.villageCode, hash, state.revision, through])
                } else {
                    try remove.execute(arguments: [state.householdId, through])
                }
            }
            if advance {
                try db.execute(sql: "UPDATE meta SET value = max(value, ?) WHERE key = 'card_projection'", arguments: [through])
            }
        }
    }

    package func householdCard(_ householdId: String) async throws -> HouseholdCard? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT h.household_id AS h_household, h.village_code AS h_village, h.content_hash AS h_hash,
                       h.revision AS h_revision, c.*
                FROM card_households h LEFT JOIN cards c ON c.card_id = h.newest_card_id
                WHERE h.household_id = ? AND h.status <> 3
                """, arguments: [householdId]).map(Self.householdCard)
        }
    }

    package func householdCards(_ query: HouseholdCardQuery) async throws -> [HouseholdCard] {
        try await pool.read { db in
            let (low, high) = Self.prefixRange(query.regionPrefix)
            var sql = """
                SELECT h.household_id AS h_household, h.village_code AS h_village, h.content_hash AS h_hash,
                       h.revision AS h_revision, c.*
                FROM card_households h LEFT JOIN cards c ON c.card_id = h.newest_card_id
                WHERE h.status = ? AND h.village_code >= ? AND h.village_code < ?
                """
            var arguments: StatementArguments = [Self.statusCode(query.status), low, high]
            if let after = query.after {
                sql += " AND (h.village_code, h.household_id) > (?, ?)"
                arguments += [after.village, after.household]
            }
            sql += " ORDER BY h.village_code, h.household_id LIMIT ?"
            arguments += [max(query.limit, 0)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.householdCard)
        }
    }

    package func cardCounts(regionPrefix: String) async throws -> CardCounts {
        try await pool.read { db in
            let (low, high) = Self.prefixRange(regionPrefix)
            var counts = CardCounts()
            // Three ranges of the status index (a deleted household's status, 3, is in none).
            for row in try Row.fetchAll(db, sql: """
                SELECT status, count(*) FROM card_households
                WHERE status IN (0, 1, 2) AND village_code >= ? AND village_code < ? GROUP BY status
                """, arguments: [low, high]) {
                let n: Int = row[1]
                switch row[0] as Int {
                case 0: counts.missing = n
                case 1: counts.current = n
                default: counts.outdated = n
                }
            }
            return counts
        }
    }

    /// The half-open range of codes starting with `prefix` (region codes are ASCII digits).
    static func prefixRange(_ prefix: String) -> (String, String) { (prefix, prefix + "\u{7F}") }

    static func statusCode(_ status: CardStatus) -> Int {
        switch status {
        case .missing: 0
        case .current: 1
        case .outdated: 2
        }
    }

    static func issuedCard(_ row: Row) -> IssuedCard {
        IssuedCard(cardId: row["card_id"], householdId: row["household_id"], villageCode: row["village_code"],
                   keyId: row["key_id"], householdRevision: row["household_revision"], issuedAt: row["issued_at"],
                   contentHash: row["content_hash"], issuer: row["issuer"], payload: row["payload"],
                   revokedAt: row["revoked_at"])
    }

    static func householdCard(_ row: Row) -> HouseholdCard {
        let newestId: String? = row["card_id"]
        return HouseholdCard(householdId: row["h_household"], villageCode: row["h_village"], contentHash: row["h_hash"],
                             revision: row["h_revision"], newest: newestId == nil ? nil : issuedCard(row))
    }
}
