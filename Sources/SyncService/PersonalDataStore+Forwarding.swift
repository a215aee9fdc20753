import SyncEngine
import SyncModel
import SyncStore

// The operations that carry no personal record values pass straight through to the adapter.
extension PersonalDataStore {
    package func migrate() async throws { try await base.migrate() }
    package func count(_ collection: CollectionName) async throws -> Int { try await base.count(collection) }
    package func headVersion() async throws -> Int64 { try await base.headVersion() }
    package var logAdvances: LogBroadcaster { base.logAdvances }

    // Devices and the sync log.
    package func insertDevice(_ device: DeviceRecord, audit: [AuditEntry]) async throws {
        try await base.insertDevice(device, audit: audit)
    }
    package func device(id: String) async throws -> DeviceRecord? { try await base.device(id: id) }
    package func appendSyncLog(_ entries: [SyncLogEntry]) async throws { try await base.appendSyncLog(entries) }
    package func deviceStates() async throws -> [DeviceSyncState] { try await base.deviceStates() }
    package func insertEnrolmentCode(_ code: EnrolmentCode, audit: [AuditEntry]) async throws {
        try await base.insertEnrolmentCode(code, audit: audit)
    }

    package func redeemEnrolmentCode(hash codeHash: String, at now: Int64,
                                     audit: @escaping @Sendable (_ enrolled: DeviceRecord) -> [AuditEntry],
                                     _ redeem: @escaping @Sendable (EnrolmentCode) throws -> DeviceRecord) async throws
        -> DeviceRecord
    {
        try await base.redeemEnrolmentCode(hash: codeHash, at: now, audit: audit, redeem)
    }

    package func updateDevice(id: String, audit: @escaping @Sendable (_ before: DeviceRecord, _ after: DeviceRecord) -> [AuditEntry],
                              _ change: @escaping @Sendable (DeviceRecord) throws -> DeviceRecord) async throws -> DeviceRecord
    {
        try await base.updateDevice(id: id, audit: audit, change)
    }

    // Kept rejections hold masks, never values (`PersonalDataStore.sealed`).
    package func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation] {
        try await base.rejections(deviceIds: deviceIds, limit: limit)
    }
    package func rejection(id: Int64) async throws -> RejectedMutation? { try await base.rejection(id: id) }
    package func resolveRejection(id: Int64) async throws -> RejectedMutation? { try await base.resolveRejection(id: id) }

    // Admins and assignments.
    package func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int) {
        try await base.helpers(limit: limit, offset: offset)
    }
    package func insertAdmin(_ account: AdminAccount, audit: [AuditEntry]) async throws {
        try await base.insertAdmin(account, audit: audit)
    }
    package func admin(id: String) async throws -> AdminAccount? { try await base.admin(id: id) }
    package func admins() async throws -> [AdminAccount] { try await base.admins() }
    package func setAdminDisabled(id: String, _ disabled: Bool, audit: [AuditEntry]) async throws -> Bool {
        try await base.setAdminDisabled(id: id, disabled, audit: audit)
    }
    package func helperIds(inRegion regionPrefix: String) async throws -> Set<String> {
        try await base.helperIds(inRegion: regionPrefix)
    }
    package func householdsAssigned(to helperId: String) async throws -> Set<String> {
        try await base.householdsAssigned(to: helperId)
    }
    package func helpersAssigned(to households: Set<String>) async throws -> [String: Set<String>] {
        try await base.helpersAssigned(to: households)
    }

    // The audit log holds keyed hashes of personal values, never the values.
    package func appendAudit(_ entries: [AuditEntry]) async throws { try await base.appendAudit(entries) }
    package func auditHead() async throws -> AuditHead { try await base.auditHead() }
    package func auditRecords(after seq: Int64, limit: Int) async throws -> [AuditRecord] {
        try await base.auditRecords(after: seq, limit: limit)
    }
    package func auditRecords(of key: RecordKey, limit: Int) async throws -> [AuditRecord] {
        try await base.auditRecords(of: key, limit: limit)
    }
}

// The card ledger holds no personal data (hashes, ids and the signed payload): passed through.
extension PersonalDataStore {
    package func insertCard(_ card: IssuedCard, audit: [AuditEntry]) async throws {
        try await base.insertCard(card, audit: audit)
    }
    package func card(id: String) async throws -> IssuedCard? { try await base.card(id: id) }
    package func cards(ofHousehold householdId: String, limit: Int) async throws -> [IssuedCard] {
        try await base.cards(ofHousehold: householdId, limit: limit)
    }
    package func revokeCard(id: String, at: Int64, audit: [AuditEntry]) async throws -> IssuedCard? {
        try await base.revokeCard(id: id, at: at, audit: audit)
    }
    package func cardRevocations() async throws -> [CardRevocations] { try await base.cardRevocations() }
    package func cardProjectionPosition() async throws -> Int64 { try await base.cardProjectionPosition() }
    package func updateCardStates(_ states: [HouseholdCardState], through: Int64, advance: Bool) async throws {
        try await base.updateCardStates(states, through: through, advance: advance)
    }
    package func householdCard(_ householdId: String) async throws -> HouseholdCard? {
        try await base.householdCard(householdId)
    }
    package func householdCards(_ query: HouseholdCardQuery) async throws -> [HouseholdCard] {
        try await base.householdCards(query)
    }
    package func cardCounts(regionPrefix: String) async throws -> CardCounts {
        try await base.cardCounts(regionPrefix: regionPrefix)
    }
}
