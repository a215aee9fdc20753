import SyncEngine
import SyncModel

/// The 明白卡 ledger as storage (protocol/cards.md §5): a small port of its own beside the sync port (STYLE
/// rule 2), provided by every store. It keeps the cards issued, one state per household (the hash of what a
/// card issued now would print, kept current by the service's card projection) and the revocations. It
/// knows no domain rule: the service composes and hashes the content, the store compares hashes it is given.
///
/// Guarantees, checked by the conformance suite:
/// - `insertCard` and `revokeCard` commit their audit entries with them, or nothing.
/// - A card never changes after it is issued, except that it can be revoked once; old cards stay on record.
/// - A household's newest card is the one stored last; `cards(ofHousehold:)` lists them newest first.
/// - `updateCardStates` never replaces a state with one computed through an earlier log position (two nodes
///   projecting at once cannot leave the older answer behind), keeps a deleted household as a tombstone
///   with its position (so that an older computation cannot bring it back, nor a card issued meanwhile),
///   and moves the projection position only up, and only when asked (the last write of a pass).
/// - Listings are keyset-paged in (village, household) order and read by index, not by scanning the region.
package protocol CardLedger: Sendable {
    /// Stores a newly issued card, makes it its household's newest, and appends `audit`, in one transaction.
    /// A household without a state yet gets one from the card (it was composed from the current records); a
    /// household marked deleted stays so (the card still becomes its newest, should it come back).
    func insertCard(_ card: IssuedCard, audit: [AuditEntry]) async throws

    /// One card by its id (24 hex digits).
    func card(id: String) async throws -> IssuedCard?

    /// A household's cards, newest first, at most `limit`.
    func cards(ofHousehold householdId: String, limit: Int) async throws -> [IssuedCard]

    /// Withdraws a card at `at` (seconds), adds one to its key's revocation counter and appends `audit`, in
    /// one transaction; when it is its household's newest, the household counts as having no card (`missing`). A card already revoked stays as it was (no new counter, no entry). Returns the card
    /// as it now is; nil for an unknown id.
    func revokeCard(id: String, at: Int64, audit: [AuditEntry]) async throws -> IssuedCard?

    /// Every key's revocation list: the counter and the ids of its revoked cards.
    func cardRevocations() async throws -> [CardRevocations]

    /// The log position through which household states have been projected (0 before the first pass).
    func cardProjectionPosition() async throws -> Int64

    /// Writes household states computed from the records as of log position `through` (a state whose stored
    /// one was computed through a later position is skipped; a state with no content hash marks the
    /// household deleted: it leaves every listing and count, and `householdCard` answers nil) and, with
    /// `advance`, raises the projection position to `through`, in one transaction. A pass advances only with
    /// its last write, so that one that fails halfway is done again from where it began.
    func updateCardStates(_ states: [HouseholdCardState], through: Int64, advance: Bool) async throws

    /// One household's card state with its newest card; nil when the projection has not seen it or it was
    /// deleted.
    func householdCard(_ householdId: String) async throws -> HouseholdCard?

    /// Households in a region by their card status, in (village, household) order after `after`.
    func householdCards(_ query: HouseholdCardQuery) async throws -> [HouseholdCard]

    /// How many households of a region are in each card status.
    func cardCounts(regionPrefix: String) async throws -> CardCounts
}

/// A card as issued (protocol/cards.md §5): what the wire says of it (`CardMessage`), which the store keeps
/// with no `status` (that is the household's, `HouseholdCard`). Holds no personal data: the payload is what
/// the QR prints.
package typealias IssuedCard = CardMessage

/// What a card issued now would carry for one household, as the projection computed it.
package struct HouseholdCardState: Sendable, Hashable {
    package var householdId: String
    package var villageCode: String
    /// `CardContent.hash`, 32 hex digits; nil: the household is gone (deleted), forget its state.
    package var contentHash: String?
    package var revision: Int64

    package init(householdId: String, villageCode: String, contentHash: String?, revision: Int64) {
        self.householdId = householdId
        self.villageCode = villageCode
        self.contentHash = contentHash
        self.revision = revision
    }
}

/// Where a household stands with its cards.
package enum CardStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// No card issued yet, or the newest was revoked.
    case missing
    /// The newest card prints what the records hold.
    case current
    /// The records changed since the newest card was printed: reprint.
    case outdated
}

/// A household's card state with its newest card.
package struct HouseholdCard: Sendable, Hashable, Codable {
    package var householdId: String
    package var villageCode: String
    package var contentHash: String
    package var revision: Int64
    package var status: CardStatus
    package var newest: IssuedCard?

    package init(householdId: String, villageCode: String, contentHash: String, revision: Int64, newest: IssuedCard?) {
        self.householdId = householdId
        self.villageCode = villageCode
        self.contentHash = contentHash
        self.revision = revision
        self.newest = newest
        // A revoked newest card is as good as none: the household needs a card again.
        self.status = newest.map { $0.revokedAt != nil ? .missing : $0.contentHash == contentHash ? .current : .outdated } ?? .missing
    }
}

/// A page of households by card status.
package struct HouseholdCardQuery: Sendable, Hashable {
    package var status: CardStatus
    /// Region-code prefix (`""`: everywhere).
    package var regionPrefix: String
    /// Resume after this (village, household), exclusive.
    package var after: (village: String, household: String)?
    package var limit: Int

    package init(status: CardStatus, regionPrefix: String, after: (village: String, household: String)? = nil, limit: Int) {
        self.status = status
        self.regionPrefix = regionPrefix
        self.after = after
        self.limit = limit
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.status == rhs.status && lhs.regionPrefix == rhs.regionPrefix && lhs.after?.village == rhs.after?.village
            && lhs.after?.household == rhs.after?.household && lhs.limit == rhs.limit
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(regionPrefix)
        hasher.combine(after?.village)
        hasher.combine(after?.household)
        hasher.combine(limit)
    }

    /// Whether `card` belongs on this page (the memory store filters with it; SQL stores say the same).
    package func admits(_ card: HouseholdCard) -> Bool {
        guard card.status == status, card.villageCode.hasPrefix(regionPrefix) else { return false }
        guard let after else { return true }
        return (card.villageCode, card.householdId) > (after.village, after.household)
    }
}

/// How many households of a region have no card, a current one, an outdated one.
package struct CardCounts: Sendable, Hashable, Codable {
    package var missing: Int
    package var current: Int
    package var outdated: Int

    package init(missing: Int = 0, current: Int = 0, outdated: Int = 0) {
        self.missing = missing
        self.current = current
        self.outdated = outdated
    }
}

/// One key's revocation list (protocol/cards.md §3): a counter that grows with every revocation, and the
/// ids of the cards withdrawn. The store answers what the trust list publishes, so it is the wire type.
package typealias CardRevocations = CardTrustMessage.Revocations
