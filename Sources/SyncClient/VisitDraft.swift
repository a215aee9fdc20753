import FieldDomain
import SyncModel

/// A visit the helper recorded (走访记录), before it becomes a `visits` record.
///
/// Visits are append-only evidence: once pushed they are never edited in place. The draft encodes to the
/// record fields `kind`, `householdId`, `villageCode`, `projectName`, `visitedAt`, `gps` (`{lat, lon,
/// accuracy}`), `notes`, `problems`, `measures`, `checks` and `photos`; `extraFields` carries fields a newer
/// schema adds.
public struct VisitDraft: Sendable, Hashable {
    /// A GPS fix: the domain's own type, so the client writes exactly what the server validates.
    public typealias GPS = GeoPoint

    /// The kind of visit, e.g. `household`, `village`, `project`.
    public var kind: String
    /// The household visited, for household visits.
    public var householdId: String?
    /// The 12-digit village code, for village visits.
    public var villageCode: String?
    /// The project inspected, for project visits.
    public var projectName: String?
    /// When the visit took place, ISO 8601 (e.g. `2026-11-22T09:30:00+08:00`).
    public var visitedAt: String
    /// Where, when the phone had a fix.
    public var gps: GPS?
    /// Free-text notes.
    public var notes: String
    /// Problems found.
    public var problems: [String]
    /// Measures agreed.
    public var measures: [String]
    /// The 两不愁三保障 and drinking-water checks, e.g. `["food": true, "water": false]`.
    public var checks: [String: JSONValue]
    /// Photo references (lowercase hex SHA-256 digests).
    public var photos: [String]
    /// Further fields, written as given.
    public var extraFields: [String: JSONValue]

    /// Makes a draft.
    public init(kind: String, householdId: String? = nil, villageCode: String? = nil, projectName: String? = nil,
                visitedAt: String, gps: GPS? = nil, notes: String = "", problems: [String] = [],
                measures: [String] = [], checks: [String: JSONValue] = [:], photos: [String] = [],
                extraFields: [String: JSONValue] = [:]) {
        self.kind = kind
        self.householdId = householdId
        self.villageCode = villageCode
        self.projectName = projectName
        self.visitedAt = visitedAt
        self.gps = gps
        self.notes = notes
        self.problems = problems
        self.measures = measures
        self.checks = checks
        self.photos = photos
        self.extraFields = extraFields
    }

    /// The record fields this draft writes (absent optionals are left out rather than sent as `null`).
    public var fields: [String: JSONValue] {
        var fields = extraFields
        fields["kind"] = .string(kind)
        if let householdId { fields["householdId"] = .string(householdId) }
        if let villageCode { fields["villageCode"] = .string(villageCode) }
        if let projectName { fields["projectName"] = .string(projectName) }
        fields["visitedAt"] = .string(visitedAt)
        if let gps { fields["gps"] = gps.jsonValue }
        fields["notes"] = .string(notes)
        fields["problems"] = .array(problems.map(JSONValue.string))
        fields["measures"] = .array(measures.map(JSONValue.string))
        fields["checks"] = .object(checks)
        fields["photos"] = .array(photos.map(JSONValue.string))
        return fields
    }
}
