import Crypto
import FieldDomain
import Foundation
import Logging
import SyncEngine
import SyncModel
import SyncStore

/// The application (DESIGN §2): authentication, push and pull orchestration over a `SyncStore`, admin
/// queries and the sync log. No HTTP here: the server and the in-process test transport both call it.
package final class SyncService: Sendable {
    package let store: any SyncStore
    package let config: SyncServiceConfig
    let now: @Sendable () -> Int64
    let randomBytes: @Sendable (Int) -> [UInt8]
    package let logger: Logger
    private let syncLog = SyncLogBuffer()
    /// The devices listening for live pokes on this node.
    package let pokes: PokeHub
    /// Hashes personal values before they enter the audit log, under the server's audit key.
    package let redactor: AuditRedactor
    /// Encrypts personal data at rest; `KeyRotation` moves old values to its current key.
    package let cipher: PersonalDataCipher
    /// Signs 明白卡 and publishes the keys that verify them.
    package let cardKeys: CardKeySource
    let cardProjectionLock = CardProjectionLock()

    /// - Parameters:
    ///   - now: the server clock in milliseconds since 1970 (injected so tests control time).
    ///   - randomBytes: a source of secure random bytes for tokens and device ids.
    ///   - store: the adapter; the service keeps personal data encrypted in it by wrapping it in a
    ///     `PersonalDataStore` (so `store` is the wrapper).
    ///   - auditKey: the key of the audit log's keyed hashes of personal data (`AuditKeyFile`); every node of
    ///     a cluster needs the same one, or the same value hashes differently per node.
    ///   - cipher: encrypts personal data at rest under the data keys (`DataKeySource`), the same on every node.
    ///   - cardKeys: the 明白卡 signing keys (`CardKeySource`); without them issuing answers `card_keys_unavailable`.
    package init(store: any SyncStore, config: SyncServiceConfig = .init(), now: @escaping @Sendable () -> Int64,
                 randomBytes: @escaping @Sendable (Int) -> [UInt8], auditKey: SymmetricKey, cipher: PersonalDataCipher,
                 cardKeys: CardKeySource = .none, logger: Logger) {
        let encrypted = (store as? PersonalDataStore)?.base ?? store
        self.store = PersonalDataStore(wrapping: encrypted, cipher: cipher)
        self.cipher = cipher
        self.cardKeys = cardKeys
        self.redactor = AuditRedactor(key: auditKey)
        self.config = config
        self.now = now
        self.randomBytes = randomBytes
        self.logger = logger
        self.pokes = PokeHub(store: store)
    }

    // MARK: Authentication

    /// Checks an `Authorization` header value and returns the device it belongs to.
    package func authenticate(authorization: String?) async throws -> DeviceIdentity {
        guard let token = BearerCredential.parse(authorization) else {
            throw ServiceError(.tokenMissing, "缺少设备令牌 (missing bearer token)")
        }
        if token.hasPrefix(DeviceToken.adminPrefix + ".") {
            throw ServiceError(.forbidden, "管理令牌不能用于同步接口 (admin tokens cannot use the sync API)")
        }
        guard let parsed = DeviceToken.parse(token) else { throw ServiceError(.tokenInvalid, "设备令牌无效 (invalid token)") }
        guard let device = try await store.device(id: parsed.deviceId),
            DeviceToken.constantTimeEquals(device.tokenHash, DeviceToken.hash(secret: parsed.secret))
        else { throw ServiceError(.tokenInvalid, "设备令牌无效 (invalid token)") }
        // Before expiry: a lost phone found again after months must still learn to wipe itself.
        guard !device.revoked else {
            throw ServiceError(.deviceRevoked, "设备已被停用，本机数据将被清除 (device revoked)")
        }
        guard device.expiresAt > now() else {
            throw ServiceError(.tokenExpired, "设备令牌已过期，请重新登记设备 (token expired)")
        }
        // An admin's phone works only while its account does: disabling the account stops its phones at once.
        if device.role != nil {
            guard let account = try await store.admin(id: device.helperId), !account.disabled else {
                throw ServiceError(.tokenInvalid, "管理员账号已停用 (the admin account of this phone is disabled)")
            }
            return DeviceIdentity(deviceId: device.deviceId, principal: account.principal,
                                  publicKey: device.publicKey.flatMap(Base64URL.decode))
        }
        return DeviceIdentity(deviceId: device.deviceId, principal: device.principal,
                              publicKey: device.publicKey.flatMap(Base64URL.decode))
    }

    // MARK: Push

    /// Applies a push batch from an authenticated device (DESIGN §3.2–3.3), sent in protocol
    /// `protocolVersion`.
    package func push(_ envelope: PushEnvelope, from device: DeviceIdentity,
                      protocolVersion: Int = ProtocolVersion.current) async throws -> PushResponse {
        guard envelope.deviceId == device.deviceId else {
            throw ServiceError(.deviceMismatch, "只能以本设备身份提交 (deviceId does not match the token)")
        }
        guard envelope.mutations.count <= config.maxMutationsPerPush else {
            throw ServiceError(.invalidRequest,
                               "单次提交最多 \(config.maxMutationsPerPush) 条 (too many mutations in one push)")
        }
        try InputLimits.checkClientVersion(envelope.clientVersion)
        let started = ContinuousClock.now
        let serverNow = now()
        var parsed = envelope.mutations.map(Mutation.parse)
        if protocolVersion < 2 {
            // A protocol 1 base is a log position, which cannot be compared with record versions: the write
            // merges by stamp alone, as one without a base does (docs/log-positions.md §4). It is applied,
            // never refused for being old.
            parsed = parsed.map { entry in entry.map { mutation in
                var mutation = mutation
                mutation.baseVersion = nil
                return mutation
            } }
        }
        let entries = parsed
        var context = PushContext(
            deviceId: device.deviceId, helperId: device.helperId, serverNow: serverNow,
            clamp: ClockSkewClamp(maxSkewMs: Int64(config.maxClockSkewSeconds) * 1000), deviceKey: device.publicKey)
        // Signatures are checked here, before the store's transaction holds any row lock.
        context.signatureChecks = SignatureChecks.verify(entries, deviceId: device.deviceId, key: device.publicKey)
        let planner = PushPlanner(context: context, redactor: redactor)
        let load = PushLoad(deviceId: device.deviceId, scope: .principal(device.principal),
                            keys: PushPlanner.keysToLoad(entries), seqs: PushPlanner.sequenceNumbers(entries))
        let raw = envelope.mutations
        let plan = try await store.applyPush(load) { snapshot in
            planner.plan(entries: entries, raw: raw, snapshot: snapshot)
        }
        if plan.clockSkewClamped {
            logger.warning("clock skew clamped", metadata: ["sync.device": "\(device.deviceId)"])
        }
        syncLog.append(SyncLogEntry(
            deviceId: device.deviceId, kind: .push, at: serverNow, pushed: envelope.mutations.count,
            applied: plan.appliedCount, rejected: plan.rejectedCount, version: 0,
            durationMicros: Self.micros(since: started), clientVersion: envelope.clientVersion,
            clockSkewClamped: plan.clockSkewClamped))
        return PushResponse(results: plan.results, lastAppliedSeq: plan.lastAppliedSeq, expectedSeq: plan.expectedSeq,
                            serverTime: serverNow, clockSkewClamped: plan.clockSkewClamped ? true : nil)
    }

    // MARK: Pull

    /// Reads the next page of changes in the device's scope after `cursor` (DESIGN §3.4).
    package func pull(cursor token: String?, maxBytes: Int?, clientVersion: String?, from device: DeviceIdentity,
                      protocolVersion: Int = ProtocolVersion.current) async throws -> PullResponse
    {
        try InputLimits.checkClientVersion(clientVersion)
        guard let cursor = SyncCursor(token: token ?? "") else {
            throw ServiceError(.invalidCursor, "同步游标无效，请从头同步 (cursor not issued by this server)")
        }
        let budget = maxBytes ?? config.defaultPullBytes
        guard (config.minPullBytes...config.maxPullBytes).contains(budget) else {
            throw ServiceError(.invalidRequest,
                               "maxBytes 须在 \(config.minPullBytes)–\(config.maxPullBytes) 之间 (maxBytes out of range)")
        }
        let started = ContinuousClock.now
        let page = try await store.pull(PullQuery(deviceId: device.deviceId, scope: .principal(device.principal),
                                                  after: cursor.version, maxBytes: budget))
        // A cursor this database cannot serve would silently skip changes: one from another database (a
        // restore, a new server), one beyond the log (a restore from an older backup), or one older than
        // the compaction horizon (tombstones it never saw are gone). The device re-bootstraps instead.
        if let epoch = cursor.epoch, epoch != page.epoch {
            throw ServiceError(.resyncRequired, "同步游标来自其他数据库，请重新同步 (cursor from another database)")
        }
        guard cursor.version <= page.head else {
            throw ServiceError(.resyncRequired, "同步游标超出服务器记录，请重新同步 (cursor is ahead of the server's log)")
        }
        if cursor.version > 0 && cursor.version < page.compactedThrough {
            throw ServiceError(.resyncRequired, "离线时间过长，请重新同步 (cursor is older than the compaction horizon)")
        }
        let serverNow = now()
        syncLog.append(SyncLogEntry(
            deviceId: device.deviceId, kind: .pull, at: serverNow, pulled: page.items.count, version: page.cursor,
            durationMicros: Self.micros(since: started), clientVersion: clientVersion))
        return PullResponse(changes: page.items.map { Self.change($0, protocolVersion: protocolVersion) }, cursor: SyncCursor(version: page.cursor, epoch: page.epoch).token,
                            hasMore: page.hasMore, lastAppliedSeq: page.lastAppliedSeq, head: page.head,
                            serverTime: serverNow)
    }

    /// A pull item as the wire of `protocolVersion` carries it, with the fields masked on phones masked: every
    /// device is a phone, and a phone gets lost (protocol/security.md §5).
    static func change(_ item: PullItem, protocolVersion: Int) -> RecordChange {
        switch item {
        case .record(var record):
            record.fields = PersonalDataMask.forPhones(record.fields, of: record.collection)
            return record.change(protocolVersion: protocolVersion)
        case .removed(let key, let position):
            return RecordChange(collection: key.collection.rawValue, recordId: key.id, version: position, deleted: false,
                                removed: true, fields: [:], stamps: [:])
        }
    }

    // MARK: Enrolment and admin queries

    /// Registers a new device for `helperId` and returns its token (shown once). `actor` is who enrolled it,
    /// for the audit log (the operator when the tool on the server did).
    package func enroll(helperId: String, label: String?, expiresInDays: Int?, by actor: String = operatorId)
        async throws -> Enrollment
    {
        try await enroll(owner: helperId, role: nil, region: nil, label: label, expiresInDays: expiresInDays, by: actor)
    }

    /// Registers a device for a helper (`role` nil) or for an admin account's role and region.
    func enroll(owner helperId: String, role: AdminRole?, region: String?, label: String?, expiresInDays: Int?,
                by actor: String) async throws -> Enrollment
    {
        try InputLimits.checkLabel(label)
        let days = expiresInDays ?? config.tokenLifetimeDays
        guard (1...3650).contains(days) else {
            throw ServiceError(.invalidRequest, "有效期须为 1–3650 天 (expiresInDays out of range)")
        }
        let deviceId = Self.uuidString(randomBytes(16))
        let (token, hash) = DeviceToken.make(deviceId: deviceId, randomBytes: randomBytes(32))
        let createdAt = now()
        let expiresAt = createdAt + Int64(days) * 86_400_000
        var detail: [String: JSONValue] = ["owner": .string(helperId), "expiresAt": .int(expiresAt)]
        if let role { detail["role"] = .string(role.rawValue) }
        if let region { detail["region"] = .string(region) }
        do {
            try await store.insertDevice(DeviceRecord(deviceId: deviceId, helperId: helperId, label: label,
                                                      tokenHash: hash, createdAt: createdAt, expiresAt: expiresAt,
                                                      role: role, region: region),
                                         audit: [AuditEntry(action: .deviceEnroll, at: createdAt, actor: actor,
                                                            deviceId: deviceId, detail: detail)])
        } catch let error as SyncStoreError where error.code == .unknownHelper {
            throw ServiceError(.notFound, "帮扶责任人不存在 (no such helper)")
        }
        logger.info("device enrolled", metadata: ["sync.device": "\(deviceId)", "sync.helper": "\(helperId)"])
        return Enrollment(deviceId: deviceId, helperId: helperId, token: token, expiresAt: expiresAt)
    }

    /// Devices with their sync state.
    package func deviceStates() async throws -> (head: Int64, devices: [DeviceSyncState]) {
        try await flushSyncLog()
        return (try await store.headVersion(), try await store.deviceStates())
    }

    /// Rejected writes kept for admins, with ID numbers masked.
    package func rejections(deviceId: String?, limit: Int) async throws -> [RejectedMutation] {
        try await rejections(deviceIds: deviceId.map { [$0] }, limit: limit)
    }

    /// Rejected writes of `deviceIds` (all devices when nil), newest first, with ID numbers masked.
    func rejections(deviceIds: Set<String>?, limit: Int) async throws -> [RejectedMutation] {
        try await store.rejections(deviceIds: deviceIds, limit: min(max(limit, 1), 1000)).map { rejection in
            var masked = rejection
            // Stored masked already; masked again for rows kept before that (security.md §5).
            masked.mutation = PersonalDataMask.everywhere(rejection.mutation)
            return masked
        }
    }

    /// Helpers with household counts.
    package func helpers(limit: Int, offset: Int) async throws -> (helpers: [HelperSummary], total: Int) {
        try await store.helpers(limit: min(max(limit, 1), 1000), offset: max(offset, 0))
    }

    // MARK: Sync log

    /// Writes buffered sync-log lines to the store.
    package func flushSyncLog() async throws {
        let entries = syncLog.drain()
        guard !entries.isEmpty else { return }
        try await store.appendSyncLog(entries)
    }

    private static func micros(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
    }

    /// Formats 16 bytes as a lowercase RFC 4122 version-4 UUID.
    package static func uuidString(_ bytes: [UInt8]) -> String {
        var bytes = bytes
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
