import Crypto
import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// A code issued to an admin for a phone, shown once.
package struct IssuedEnrolmentCode: Sendable, Hashable, Codable {
    /// `XXXX-XXXX-XXXX`.
    package var code: String
    /// What the phone scans: `BFE1:` and the code.
    package var qrPayload: String
    package var helperId: String
    /// Milliseconds since 1970.
    package var expiresAt: Int64
}

/// Enrolment with a one-time code and a device key, token refresh with a proof of that key, and
/// revocation of a lost phone (protocol/security.md §2–4).
extension SyncService {
    /// How far a refresh proof's timestamp may be from the server clock.
    static let refreshProofWindowMs: Int64 = 600_000
    /// The prefix of refresh tokens.
    package static let refreshPrefix = "bfr1"

    /// Issues a one-time code that enrols one phone for `helperId`, or for the admin account `adminId`.
    package func issueEnrolmentCode(helperId: String?, adminId: String?, label: String?, expiresInHours: Int?,
                                    by caller: Principal) async throws -> IssuedEnrolmentCode {
        let hours = expiresInHours ?? config.enrolmentCodeHours
        guard (1...720).contains(hours) else {
            throw ServiceError(.invalidRequest, "有效期须为 1–720 小时 (expiresInHours out of range)")
        }
        try InputLimits.checkLabel(label)
        let at = now()
        var code = EnrolmentCode(codeHash: "", helperId: "", label: label, createdBy: caller.id, createdAt: at,
                                 expiresAt: at + Int64(hours) * 3_600_000)
        switch (helperId, adminId) {
        case (let helperId?, nil):
            try await requireEnrols(helper: helperId, by: caller)
            code.helperId = helperId
        case (nil, let adminId?):
            guard let account = try await store.admin(id: adminId), !account.disabled else {
                throw ServiceError(.notFound, "管理员不存在 (no such admin)")
            }
            if account.id != caller.id { try requireManages(account, by: caller) }
            code.helperId = account.id
            code.role = account.role
            code.region = account.region
        default:
            throw ServiceError(.invalidRequest, "须且只能给出 helperId 或 adminId 之一 (give helperId or adminId)")
        }
        let text = EnrolmentCodeFormat.make(randomBytes: randomBytes(8))
        code.codeHash = EnrolmentCodeFormat.hash(EnrolmentCodeFormat.normalise(text)!)
        var detail: [String: JSONValue] = ["owner": .string(code.helperId), "expiresAt": .int(code.expiresAt)]
        if let role = code.role { detail["role"] = .string(role.rawValue) }
        if let region = code.region { detail["region"] = .string(region) }
        try await store.insertEnrolmentCode(code, audit: [AuditEntry(action: .enrolmentCodeIssue, at: code.createdAt,
                                                                     actor: caller.id, detail: detail)])
        logger.info("enrolment code issued", metadata: ["sync.helper": "\(code.helperId)", "admin.by": "\(caller.id)"])
        return IssuedEnrolmentCode(code: text, qrPayload: EnrolmentCodeFormat.qrPrefix + text.replacingOccurrences(of: "-", with: ""),
                                   helperId: code.helperId, expiresAt: code.expiresAt)
    }

    /// Enrols a phone: redeems the code once, registers its public key, and returns its first tokens.
    package func enrol(_ request: EnrolRequest) async throws -> DeviceTokens {
        guard let normalised = EnrolmentCodeFormat.normalise(request.code) else {
            throw ServiceError(.enrolmentCodeInvalid, "登记码无效 (not an enrolment code)")
        }
        guard let key = Base64URL.decode(request.publicKey), key.count == 32,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil
        else { throw ServiceError(.invalidPublicKey, "公钥应为32字节Ed25519公钥的base64url (public key must be raw Ed25519, base64url)") }
        try InputLimits.checkLabel(request.label)
        let at = now()
        let deviceId = Self.uuidString(randomBytes(16))
        let access = DeviceToken.make(deviceId: deviceId, randomBytes: randomBytes(32))
        let refresh = DeviceToken.make(deviceId: deviceId, randomBytes: randomBytes(32), prefix: Self.refreshPrefix)
        let accessExpiresAt = at + Int64(config.accessTokenHours) * 3_600_000
        let refreshExpiresAt = at + Int64(config.tokenLifetimeDays) * 86_400_000
        let keyId = DeviceSignature.keyId(publicKey: key)
        let device: DeviceRecord
        do {
            device = try await store.redeemEnrolmentCode(hash: EnrolmentCodeFormat.hash(normalised), at: at, audit: { device in
                var detail: [String: JSONValue] = [
                    "owner": .string(device.helperId), "keyId": .string(keyId), "expiresAt": .int(refreshExpiresAt),
                ]
                if let role = device.role { detail["role"] = .string(role.rawValue) }
                if let region = device.region { detail["region"] = .string(region) }
                // The code's holder enrolled: the helper (or admin) the code was issued for is the actor.
                return [AuditEntry(action: .deviceEnroll, at: at, actor: device.helperId, deviceId: device.deviceId,
                                   detail: detail)]
            }) { code in
                guard code.usedAt == nil else {
                    throw ServiceError(.enrolmentCodeUsed, "登记码已使用过，请向管理员重新申请 (code already used)")
                }
                guard code.expiresAt > at else {
                    throw ServiceError(.enrolmentCodeExpired, "登记码已过期，请向管理员重新申请 (code expired)")
                }
                return DeviceRecord(deviceId: deviceId, helperId: code.helperId, label: request.label ?? code.label,
                                    tokenHash: access.hash, createdAt: at, expiresAt: accessExpiresAt,
                                    role: code.role, region: code.region, publicKey: request.publicKey,
                                    refreshHash: refresh.hash, refreshExpiresAt: refreshExpiresAt)
            }
        } catch let error as SyncStoreError where error.code == .enrolmentCodeNotFound {
            throw ServiceError(.enrolmentCodeInvalid, "登记码无效 (unknown enrolment code)")
        } catch let error as SyncStoreError where error.code == .unknownHelper {
            throw ServiceError(.notFound, "帮扶责任人不存在 (no such helper)")
        }
        logger.info("device enrolled with key", metadata: ["sync.device": "\(deviceId)", "sync.helper": "\(device.helperId)"])
        return DeviceTokens(deviceId: deviceId, helperId: device.helperId, keyId: keyId,
                            accessToken: access.token, accessExpiresAt: accessExpiresAt,
                            refreshToken: refresh.token, refreshExpiresAt: refreshExpiresAt)
    }

    /// New tokens for a refresh token and a proof of the device key. The refresh token is replaced. The
    /// replaced one is accepted again until the new one is used, so a refresh whose answer was lost can be
    /// retried; after that it is `token_invalid`. Every refresh needs the key, so a copied refresh token
    /// alone is worth nothing.
    package func refresh(_ request: TokenRefreshRequest) async throws -> DeviceTokens {
        guard let parsed = DeviceToken.parse(request.refreshToken, prefix: Self.refreshPrefix) else {
            throw ServiceError(.tokenInvalid, "刷新令牌无效 (invalid refresh token)")
        }
        let at = now()
        let access = DeviceToken.make(deviceId: parsed.deviceId, randomBytes: randomBytes(32))
        let refresh = DeviceToken.make(deviceId: parsed.deviceId, randomBytes: randomBytes(32), prefix: Self.refreshPrefix)
        let accessHours = Int64(config.accessTokenHours)
        let refreshDays = Int64(config.tokenLifetimeDays)
        let device: DeviceRecord
        do {
            device = try await store.updateDevice(id: parsed.deviceId) { device in
                let presented = DeviceToken.hash(secret: parsed.secret)
                let current = device.refreshHash.map { DeviceToken.constantTimeEquals($0, presented) } ?? false
                let retried = device.previousRefreshHash.map { DeviceToken.constantTimeEquals($0, presented) } ?? false
                guard current || retried, let key = device.publicKey.flatMap(Base64URL.decode) else {
                    throw ServiceError(.tokenInvalid, "刷新令牌无效 (invalid refresh token)")
                }
                guard !device.revoked else {
                    throw ServiceError(.deviceRevoked, "设备已被停用，本机数据将被清除 (device revoked)")
                }
                guard (device.refreshExpiresAt ?? 0) > at else {
                    throw ServiceError(.tokenExpired, "刷新令牌已过期，请重新登记设备 (refresh token expired)")
                }
                // Compared without subtracting: a timestamp near Int64.min must not overflow (and stop the
                // process) before the proof is even checked.
                guard request.timestamp >= at - Self.refreshProofWindowMs, request.timestamp <= at + Self.refreshProofWindowMs,
                    DeviceSignature.verifyRefresh(refreshToken: request.refreshToken, timestamp: request.timestamp,
                                                  proof: request.proof, publicKey: key)
                else { throw ServiceError(.proofInvalid, "设备密钥证明无效 (proof of the device key does not verify)") }
                var changed = device
                changed.tokenHash = access.hash
                changed.expiresAt = at + accessHours * 3_600_000
                // Using the current token retires the one before it; a retry with the retired one spends it.
                changed.previousRefreshHash = current ? device.refreshHash : nil
                changed.refreshHash = refresh.hash
                changed.refreshExpiresAt = at + refreshDays * 86_400_000
                return changed
            }
        } catch let error as SyncStoreError where error.code == .deviceNotFound {
            throw ServiceError(.tokenInvalid, "刷新令牌无效 (invalid refresh token)")
        }
        return DeviceTokens(deviceId: device.deviceId, helperId: device.helperId,
                            keyId: device.publicKey.flatMap(Base64URL.decode).map { DeviceSignature.keyId(publicKey: $0) } ?? "",
                            accessToken: access.token, accessExpiresAt: device.expiresAt,
                            refreshToken: refresh.token, refreshExpiresAt: device.refreshExpiresAt ?? 0)
    }

    /// Revokes a device (a lost phone): its tokens stop working at once, on every node (each request reads
    /// the device row), and its next contact answers `device_revoked`, on which the client wipes its data.
    package func revokeDevice(id: String, by caller: Principal) async throws -> DeviceRecord {
        guard let device = try await store.device(id: id) else {
            throw ServiceError(.notFound, "设备不存在 (no such device)")
        }
        if device.role != nil {
            if device.helperId != caller.id {
                // An admin's phone whose account is gone: only the operator may revoke it.
                guard let account = try await store.admin(id: device.helperId) else {
                    try requireRegion(caller, covers: "")
                    return try await revoke(device, by: caller)
                }
                try requireManages(account, by: caller)
            }
        } else {
            try await requireEnrols(helper: device.helperId, by: caller)
        }
        return try await revoke(device, by: caller)
    }

    private func revoke(_ device: DeviceRecord, by caller: Principal) async throws -> DeviceRecord {
        let id = device.deviceId
        let at = now()
        let actor = caller.id
        // The entry is decided on the row the transaction locked: of two concurrent revocations, only the one
        // that revoked is audited.
        let revoked = try await store.updateDevice(id: id, audit: { before, after in
            guard !before.revoked else { return [] }
            return [AuditEntry(action: .deviceRevoke, at: at, actor: actor, deviceId: id,
                               detail: ["owner": .string(after.helperId)])]
        }) { device in
            var changed = device
            if !changed.revoked {
                changed.revoked = true
                changed.revokedAt = at
            }
            // The refresh hashes stay: a revoked phone that refreshes must hear `device_revoked` (and wipe),
            // not `token_invalid`. The revoked flag alone makes them worthless.
            return changed
        }
        logger.notice("device revoked", metadata: ["sync.device": "\(id)", "admin.by": "\(caller.id)"])
        return revoked
    }

    /// Who may issue codes for, or revoke the phones of, a helper: an admin whose region covers every current
    /// household of the helper (`requireManages`), and for a helper with no household yet, whose region
    /// covers the helper's county. (Assignment is looser: the household assigned is in the caller's region.)
    func requireEnrols(helper helperId: String, by caller: Principal) async throws {
        guard let helper = try await store.record(RecordKey(.helpers, helperId)), !helper.deleted else {
            throw ServiceError(.notFound, "帮扶责任人不存在 (no such helper)")
        }
        try await requireManages(helper: helperId, by: caller)
        if Self.regionFilter(caller) != nil, try await store.householdsAssigned(to: helperId).isEmpty {
            try requireRegion(caller, covers: helper.fields["countyCode"]?.stringValue)
        }
    }
}
