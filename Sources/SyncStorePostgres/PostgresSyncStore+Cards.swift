import Foundation
import PostgresNIO
import SyncEngine
import SyncModel
import SyncStore

// The `CardLedger` port on PostgreSQL (migration v6-cards), as on SQLite. Audit entries go in unchained and
// the sequencer chains them, as for every other write (protocol/audit.md §4).
extension PostgresSyncStore {
    package func insertCard(_ card: IssuedCard, audit: [AuditEntry]) async throws {
        try await transaction { connection in
            // The household's row first: its lock orders concurrent issues, so that the card stored last (the
            // highest `seq`) is the one the row names as newest.
            try await connection.query("""
                INSERT INTO card_households AS h (household_id, village_code, content_hash, revision, computed_through,
                                                  newest_card_id, newest_hash, status)
                VALUES (\(card.householdId), \(card.villageCode), \(card.contentHash), \(card.householdRevision), 0,
                        \(card.cardId), \(card.contentHash), 1)
                ON CONFLICT (household_id) DO UPDATE SET newest_card_id = excluded.newest_card_id,
                    newest_hash = excluded.newest_hash,
                    status = CASE WHEN h.status = 3 THEN 3 WHEN h.content_hash = excluded.newest_hash THEN 1 ELSE 2 END
                """, logger: logger)
            try await connection.query("""
                INSERT INTO cards (card_id, household_id, village_code, key_id, household_revision, issued_at,
                                   content_hash, issuer, payload)
                VALUES (\(card.cardId), \(card.householdId), \(card.villageCode), \(card.keyId), \(card.householdRevision),
                        \(card.issuedAt), \(card.contentHash), \(card.issuer), \(card.payload))
                """, logger: logger)
            try await insertAudit(audit, on: connection)
        }
        if !audit.isEmpty { await sequenceAfterCommit() }
    }

    package func card(id: String) async throws -> IssuedCard? {
        try await withConnection { connection in
            try await rows("SELECT * FROM cards WHERE card_id = \(id)", on: connection).first.map(Self.issuedCard)
        }
    }

    package func cards(ofHousehold householdId: String, limit: Int) async throws -> [IssuedCard] {
        try await withConnection { connection in
            try await rows("""
                SELECT * FROM cards WHERE household_id = \(householdId) ORDER BY seq DESC LIMIT \(Int64(max(limit, 0)))
                """, on: connection).map(Self.issuedCard)
        }
    }

    package func revokeCard(id: String, at: Int64, audit: [AuditEntry]) async throws -> IssuedCard? {
        let (card, changed) = try await transaction { connection -> (IssuedCard?, Bool) in
            guard let card = try await rows("SELECT * FROM cards WHERE card_id = \(id) FOR UPDATE", on: connection)
                .first.map(Self.issuedCard) else { return (nil, false) }
            guard card.revokedAt == nil else { return (card, false) }
            try await connection.query("UPDATE cards SET revoked_at = \(at) WHERE card_id = \(id)", logger: logger)
            try await connection.query("""
                UPDATE card_households SET newest_hash = NULL, status = CASE WHEN status = 3 THEN 3 ELSE 0 END
                WHERE household_id = \(card.householdId) AND newest_card_id = \(id)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO card_revocation_counters AS c (key_id, counter) VALUES (\(card.keyId), 1)
                ON CONFLICT (key_id) DO UPDATE SET counter = c.counter + 1
                """, logger: logger)
            try await insertAudit(audit, on: connection)
            var revoked = card
            revoked.revokedAt = at
            return (revoked, true)
        }
        if changed && !audit.isEmpty { await sequenceAfterCommit() }
        return card
    }

    package func cardRevocations() async throws -> [CardRevocations] {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var lists: [String: CardRevocations] = [:]
            for try await (keyId, counter) in try await connection.query(
                "SELECT key_id, counter FROM card_revocation_counters", logger: logger).decode((String, Int64).self) {
                lists[keyId] = CardRevocations(keyId: keyId, counter: counter, cardIds: [])
            }
            for try await (keyId, cardId) in try await connection.query("""
                SELECT key_id, card_id FROM cards WHERE revoked_at IS NOT NULL ORDER BY key_id, card_id
                """, logger: logger).decode((String, String).self) {
                lists[keyId]?.cardIds.append(cardId)
            }
            return lists.keys.sorted().map { lists[$0]! }
        }
    }

    package func cardProjectionPosition() async throws -> Int64 {
        try await withConnection { connection in try await meta("card_projection", on: connection) }
    }

    package func updateCardStates(_ states: [HouseholdCardState], through: Int64, advance: Bool) async throws {
        let live = states.filter { $0.contentHash != nil }
        let gone = states.filter { $0.contentHash == nil }.map(\.householdId)
        try await transaction { connection in
            if !live.isEmpty {
                try await connection.query("""
                    INSERT INTO card_households AS h (household_id, village_code, content_hash, revision,
                                                      computed_through, newest_card_id, newest_hash, status)
                    SELECT u.i, u.v, u.c, u.r, \(through), NULL, NULL, 0
                    FROM UNNEST(\(live.map(\.householdId))::text[], \(live.map(\.villageCode))::text[],
                                \(live.map { $0.contentHash! })::text[], \(live.map(\.revision))::bigint[]) AS u (i, v, c, r)
                    ON CONFLICT (household_id) DO UPDATE SET village_code = excluded.village_code,
                        content_hash = excluded.content_hash, revision = excluded.revision,
                        computed_through = excluded.computed_through,
                        status = CASE WHEN h.newest_hash IS NULL THEN 0 WHEN h.newest_hash = excluded.content_hash THEN 1
                                      ELSE 2 END
                    WHERE h.computed_through <= excluded.computed_through
                    """, logger: logger)
            }
            if !gone.isEmpty {
                // A deleted household: status 3, outside every listing and count, keeping its position.
                try await connection.query("""
                    INSERT INTO card_households AS h (household_id, village_code, content_hash, revision, computed_through,
                                                      newest_card_id, newest_hash, status)
                    SELECT u.i, '', '', 0, \(through), NULL, NULL, 3 FROM UNNEST(\(gone)::text[]) AS u (i)
                    ON CONFLICT (household_id) DO UPDATE SET status = 3, content_hash = '',
                        computed_through = excluded.computed_through
                    WHERE h.computed_through <= excluded.computed_through
                    """, logger: logger)
            }
            if advance {
                try await connection.query("""
                    UPDATE meta SET value = GREATEST(value, \(through)) WHERE key = 'card_projection'
                    """, logger: logger)
            }
        }
    }

    package func householdCard(_ householdId: String) async throws -> HouseholdCard? {
        try await withConnection { connection in
            try await rows("""
                SELECT h.household_id AS h_household, h.village_code AS h_village, h.content_hash AS h_hash,
                       h.revision AS h_revision, c.*
                FROM card_households h LEFT JOIN cards c ON c.card_id = h.newest_card_id
                WHERE h.household_id = \(householdId) AND h.status <> 3
                """, on: connection).first.map(Self.householdCard)
        }
    }

    package func householdCards(_ query: HouseholdCardQuery) async throws -> [HouseholdCard] {
        let low = query.regionPrefix, high = query.regionPrefix + "\u{7F}"
        let status = Self.statusCode(query.status)
        let afterVillage = query.after?.village ?? "", afterHousehold = query.after?.household ?? ""
        return try await withConnection { connection in
            try await rows("""
                SELECT h.household_id AS h_household, h.village_code AS h_village, h.content_hash AS h_hash,
                       h.revision AS h_revision, c.*
                FROM card_households h LEFT JOIN cards c ON c.card_id = h.newest_card_id
                WHERE h.status = \(status) AND h.village_code >= \(low) AND h.village_code < \(high)
                  AND (h.village_code, h.household_id) > (\(afterVillage), \(afterHousehold))
                ORDER BY h.village_code, h.household_id LIMIT \(Int64(max(query.limit, 0)))
                """, on: connection).map(Self.householdCard)
        }
    }

    package func cardCounts(regionPrefix: String) async throws -> CardCounts {
        let low = regionPrefix, high = regionPrefix + "\u{7F}"
        return try await withConnection { connection in
            var counts = CardCounts()
            for status in [Int16(0), 1, 2] {
                let n = try await scalar("""
                    SELECT count(*) FROM card_households
                    WHERE status = \(status) AND village_code >= \(low) AND village_code < \(high)
                    """, on: connection) ?? 0
                switch status {
                case 0: counts.missing = Int(n)
                case 1: counts.current = Int(n)
                default: counts.outdated = Int(n)
                }
            }
            return counts
        }
    }

    static func statusCode(_ status: CardStatus) -> Int16 {
        switch status {
        case .missing: 0
        case .current: 1
        case .outdated: 2
        }
    }

    static func issuedCard(_ row: PostgresRandomAccessRow) throws -> IssuedCard {
        IssuedCard(cardId: try row["card_id"].decode(String.self), householdId: try row["household_id"].decode(String.self),
                   villageCode: try row["village_code"].decode(String.self), keyId: try row["key_id"].decode(String.self),
                   householdRevision: try row["household_revision"].decode(Int64.self),
                   issuedAt: try row["issued_at"].decode(Int64.self), contentHash: try row["content_hash"].decode(String.self),
                   issuer: try row["issuer"].decode(String.self), payload: try row["payload"].decode(String.self),
                   revokedAt: try row["revoked_at"].decode(Int64?.self))
    }

    static func householdCard(_ row: PostgresRandomAccessRow) throws -> HouseholdCard {
        let newestId = try row["card_id"].decode(String?.self)
        return HouseholdCard(householdId: try row["h_household"].decode(String.self),
                             villageCode: try row["h_village"].decode(String.self),
                             contentHash: try row["h_hash"].decode(String.self), revision: try row["h_revision"].decode(Int64.self),
                             newest: newestId == nil ? nil : try issuedCard(row))
    }
}
