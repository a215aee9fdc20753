import FieldDomain
import SyncEngine
import SyncModel
import SyncStore

/// Admin principals and their region checks (DESIGN §4; protocol/scopes.md §3).
extension SyncService {
    /// The principal behind an admin `Authorization` header: the configured operator token, or an admin
    /// account's `bfa1.` token. A device token is `forbidden` here.
    package func authenticateAdmin(authorization: String?, operatorToken: String?) async throws -> Principal {
        guard let token = BearerCredential.parse(authorization) else {
            if operatorToken == nil {
                throw ServiceError(.forbidden, "管理接口未启用 (admin API disabled: no admin token configured)")
            }
            throw ServiceError(.tokenMissing, "缺少管理令牌 (missing admin bearer token)")
        }
        if let operatorToken, DeviceToken.constantTimeEquals(token, operatorToken) {
            return .admin(id: Self.operatorId, role: .operator, region: "")
        }
        if DeviceToken.parse(token) != nil {
            throw ServiceError(.forbidden, "设备令牌不能访问管理接口 (device tokens cannot use the admin API)")
        }
        guard let parsed = DeviceToken.parse(token, prefix: DeviceToken.adminPrefix),
            let account = try await store.admin(id: parsed.deviceId), !account.disabled,
            DeviceToken.constantTimeEquals(account.tokenHash, DeviceToken.hash(secret: parsed.secret))
        else {
            if operatorToken == nil && !token.hasPrefix(DeviceToken.adminPrefix + ".") {
                throw ServiceError(.forbidden, "管理接口未启用 (admin API disabled: no admin token configured)")
            }
            throw ServiceError(.tokenInvalid, "管理令牌无效 (invalid admin token)")
        }
        return account.principal
    }

    /// The id the configured operator token acts as (`resolvedBy`, audit).
    package static let operatorId = "operator"

    /// Refuses with `forbidden` unless `region` (a region code, or a household's village) lies in the
    /// principal's region. Operators pass; helpers never do.
    package func requireRegion(_ principal: Principal, covers region: String?) throws {
        guard Self.covers(principal, region) else {
            throw ServiceError(.forbidden, "不在您的管辖范围内 (outside your region)")
        }
    }

    /// Whether `region` lies in the principal's region.
    package static func covers(_ principal: Principal, _ region: String?) -> Bool {
        switch principal {
        case .helper: return false
        case .admin(_, .operator, _): return true
        case .admin(_, _, let mine): return !mine.isEmpty && (region ?? "").hasPrefix(mine)
        }
    }

    /// The region prefix an admin's listings are confined to (`nil`: everything).
    package static func regionFilter(_ principal: Principal) -> String? {
        if case .admin(_, let role, let region) = principal, role != .operator { return region }
        return nil
    }

    /// Adds an admin account and returns it with its token (shown once). A caller may add accounts of a
    /// lower level inside its own region; the operator may add any.
    package func createAdmin(name: String, role: AdminRole, region: String, by caller: Principal) async throws
        -> (account: AdminAccount, token: String)
    {
        guard (1...50).contains(name.count) else {
            throw ServiceError(.invalidRequest, "姓名须为1–50个字符 (name must be 1–50 characters)")
        }
        guard role != .operator, role.accepts(region: region) else {
            throw ServiceError(.invalidRequest, "角色与区划代码不符 (role needs a village 12, town 9 or county 6-digit code)")
        }
        if case .admin(_, let callerRole, _) = caller, callerRole != .operator {
            guard (callerRole.regionLength ?? 0) < (role.regionLength ?? 0) else {
                throw ServiceError(.forbidden, "只能添加下级管理员 (only lower-level admins can be added)")
            }
        }
        try requireRegion(caller, covers: region)
        let id = "adm-" + Self.uuidString(randomBytes(16)).prefix(8)
        let (token, hash) = DeviceToken.make(deviceId: String(id), randomBytes: randomBytes(32), prefix: DeviceToken.adminPrefix)
        let account = AdminAccount(id: String(id), name: name, role: role, region: region, tokenHash: hash, createdAt: now())
        try await store.insertAdmin(account, audit: [AuditEntry(
            action: .adminCreate, at: account.createdAt, actor: caller.id,
            detail: ["admin": .string(account.id), "role": .string(role.rawValue), "region": .string(region)])])
        logger.info("admin added", metadata: ["admin.id": "\(account.id)", "admin.role": "\(role.rawValue)",
                                              "admin.by": "\(caller.id)"])
        return (account, token)
    }

    /// The accounts a caller may see: those in its region.
    package func admins(by caller: Principal) async throws -> [AdminAccount] {
        try await store.admins().filter { Self.covers(caller, $0.region) || $0.id == caller.id }
    }

    /// Disables an account in the caller's region.
    package func disableAdmin(id: String, by caller: Principal) async throws -> AdminAccount {
        guard let account = try await store.admin(id: id) else {
            throw ServiceError(.notFound, "管理员不存在 (no such admin)")
        }
        try requireManages(account, by: caller)
        _ = try await store.setAdminDisabled(id: id, true, audit: [AuditEntry(action: .adminDisable, at: now(),
                                                                              actor: caller.id, detail: ["admin": .string(id)])])
        var disabled = account
        disabled.disabled = true
        logger.info("admin disabled", metadata: ["admin.id": "\(id)", "admin.by": "\(caller.id)"])
        return disabled
    }

    /// Refuses with `forbidden` unless every current household of `helperId` lies in the caller's region. A
    /// device enrolled for a helper, or a household assigned to one, reaches the helper's whole scope: an
    /// admin may do either only for helpers whose work lies entirely in its region (a helper with no
    /// household yet qualifies).
    package func requireManages(helper helperId: String, by caller: Principal) async throws {
        guard Self.regionFilter(caller) != nil else { return }
        let households = try await store.householdsAssigned(to: helperId)
        guard households.allSatisfy({ Self.covers(caller, Scope.village(ofHousehold: $0)) }) else {
            throw ServiceError(.forbidden, "该帮扶责任人有管辖范围外的帮扶户 (helper has households outside your region)")
        }
    }

    /// Refuses with `forbidden` unless the caller may manage `account`: the operator, or an admin of a
    /// higher level whose region covers it (peers manage each other no more than they create each other).
    func requireManages(_ account: AdminAccount, by caller: Principal) throws {
        try requireRegion(caller, covers: account.region)
        if case .admin(_, let role, _) = caller, role != .operator,
            (role.regionLength ?? 0) >= (account.role.regionLength ?? 0)
        {
            throw ServiceError(.forbidden, "只能管理下级管理员 (only lower-level admins can be managed)")
        }
    }

    /// Enrols a phone for an admin account: it pulls and writes the account's region (a town admin
    /// records 入村走访 with it).
    package func enrollAdminDevice(adminId: String, label: String?, expiresInDays: Int?, by caller: Principal)
        async throws -> Enrollment
    {
        guard let account = try await store.admin(id: adminId), !account.disabled else {
            throw ServiceError(.notFound, "管理员不存在 (no such admin)")
        }
        if account.id != caller.id { try requireManages(account, by: caller) }
        return try await enroll(owner: account.id, role: account.role, region: account.region, label: label,
                                expiresInDays: expiresInDays, by: caller.id)
    }
}
