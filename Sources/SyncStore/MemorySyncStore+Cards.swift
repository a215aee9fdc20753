import SyncEngine
import SyncModel

// The `CardLedger` port in memory: the same answers as the SQL stores, by scanning (tests only).
extension MemorySyncStore {
    package func insertCard(_ card: IssuedCard, audit: [AuditEntry]) async throws {
        state.withLock { state in
            state.cards[card.cardId] = card
            state.cardsOf[card.householdId, default: []].append(card.cardId)
            if state.cardStates[card.householdId] == nil {
                state.cardStates[card.householdId] = (HouseholdCardState(
                    householdId: card.householdId, villageCode: card.villageCode, contentHash: card.contentHash,
                    revision: card.householdRevision), 0)
            }
            state.appendAudit(audit)
        }
    }

    package func card(id: String) async throws -> IssuedCard? {
        state.withLock { $0.cards[id] }
    }

    package func cards(ofHousehold householdId: String, limit: Int) async throws -> [IssuedCard] {
        state.withLock { state in Array(state.newestFirst(householdId).prefix(max(limit, 0))) }
    }

    package func revokeCard(id: String, at: Int64, audit: [AuditEntry]) async throws -> IssuedCard? {
        state.withLock { state in
            guard var card = state.cards[id] else { return nil }
            guard card.revokedAt == nil else { return card }
            card.revokedAt = at
            state.cards[id] = card
            state.revocationCounters[card.keyId, default: 0] += 1
            state.appendAudit(audit)
            return card
        }
    }

    package func cardRevocations() async throws -> [CardRevocations] {
        state.withLock { state in
            state.revocationCounters.keys.sorted().map { keyId in
                CardRevocations(keyId: keyId, counter: state.revocationCounters[keyId]!, cardIds: state.cards.values
                    .filter { $0.keyId == keyId && $0.revokedAt != nil }.map(\.cardId).sorted())
            }
        }
    }

    package func cardProjectionPosition() async throws -> Int64 {
        state.withLock { $0.cardProjection }
    }

    package func updateCardStates(_ states: [HouseholdCardState], through: Int64, advance: Bool) async throws {
        state.withLock { state in
            for card in states {
                if let stored = state.cardStates[card.householdId], stored.through > through { continue }
                // A deleted household stays as a tombstone (no content hash) with its position.
                state.cardStates[card.householdId] = (card, through)
            }
            if advance { state.cardProjection = max(state.cardProjection, through) }
        }
    }

    package func householdCard(_ householdId: String) async throws -> HouseholdCard? {
        state.withLock { $0.householdCard(householdId) }
    }

    package func householdCards(_ query: HouseholdCardQuery) async throws -> [HouseholdCard] {
        state.withLock { state in
            Array(state.cardStates.keys.compactMap { state.householdCard($0) }.filter(query.admits)
                .sorted { ($0.villageCode, $0.householdId) < ($1.villageCode, $1.householdId) }
                .prefix(max(query.limit, 0)))
        }
    }

    package func cardCounts(regionPrefix: String) async throws -> CardCounts {
        state.withLock { state in
            var counts = CardCounts()
            for id in state.cardStates.keys {
                guard let card = state.householdCard(id), card.villageCode.hasPrefix(regionPrefix) else { continue }
                switch card.status {
                case .missing: counts.missing += 1
                case .current: counts.current += 1
                case .outdated: counts.outdated += 1
                }
            }
            return counts
        }
    }
}

extension MemorySyncStore.State {
    /// A household's cards, the newest (stored last) first.
    func newestFirst(_ householdId: String) -> [IssuedCard] {
        (cardsOf[householdId] ?? []).reversed().compactMap { cards[$0] }
    }

    func householdCard(_ householdId: String) -> HouseholdCard? {
        guard let stored = cardStates[householdId], let hash = stored.state.contentHash else { return nil }
        return HouseholdCard(householdId: householdId, villageCode: stored.state.villageCode, contentHash: hash,
                             revision: stored.state.revision, newest: newestFirst(householdId).first)
    }
}
