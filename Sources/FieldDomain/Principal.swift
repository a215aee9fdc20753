/// Who is asking (DESIGN §4): a helper's device, or an admin at one level of the region tree.
///
/// The server derives the principal from the authenticated token; nothing in a request body can name it.
public enum Principal: Sendable, Hashable, CustomStringConvertible {
    /// A helper (帮扶责任人) and their assigned households.
    case helper(String)
    /// An admin account (or a phone enrolled for one) at a level of the region tree.
    case admin(id: String, role: AdminRole, region: String)

    /// The identifier stored as the writer of visits and as `resolvedBy` (a helper id or an admin id).
    public var id: String {
        switch self {
        case .helper(let id): return id
        case .admin(let id, _, _): return id
        }
    }

    public var description: String {
        switch self {
        case .helper(let id): return "helper \(id)"
        case .admin(let id, let role, let region): return "\(role.rawValue) admin \(id) (\(region.isEmpty ? "all" : region))"
        }
    }
}

/// The admin roles (县/乡镇/村 and the operator who runs the server).
public enum AdminRole: String, Sendable, Hashable, Codable, CaseIterable {
    case village, town, county
    /// Runs the server: sees and may do everything, in every region.
    case `operator`

    /// The length of the region code an admin of this role is bound to; `nil` for the operator.
    public var regionLength: Int? {
        switch self {
        case .village: return RegionLevel.village.codeLength
        case .town: return RegionLevel.town.codeLength
        case .county: return RegionLevel.county.codeLength
        case .operator: return nil
        }
    }

    /// The zh-CN name.
    public var displayName: String {
        switch self {
        case .village: return "村级管理员"
        case .town: return "乡镇管理员"
        case .county: return "县级管理员"
        case .operator: return "系统运维"
        }
    }

    /// Whether `region` is a code this role can be bound to (the operator takes none: the empty string).
    public func accepts(region: String) -> Bool {
        guard let length = regionLength else { return region.isEmpty }
        return region.utf8.count == length && RegionCode.level(of: region)?.codeLength == length
    }
}
