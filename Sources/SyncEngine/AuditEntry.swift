import SyncModel

/// One entry of the audit log (过程留痕; protocol/audit.md): who did what to which record, when, from which
/// device, and the values written. Personal data is never here in the clear: the builders put a keyed hash
/// (`AuditRedactor`) in place of every field the catalogue marks personal.
///
/// This is the entry's *content*. Its place in the hash chain (sequence number, previous hash, own hash) is
/// the store's to give (`AuditRecord`): SQLite and memory chain inside the write transaction, PostgreSQL in
/// the serial sequencer tick.
package struct AuditEntry: Sendable, Hashable {
    /// What happened. Stored as text, so a newer server's actions still read back.
    package struct Action: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        package var rawValue: String
        package init(rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// A device's mutation that a push applied (created or changed a record).
        package static let deviceWrite = Action(rawValue: "device.write")
        /// An admin deleted a record.
        package static let recordDelete = Action(rawValue: "record.delete")
        /// An admin settled a conflict from the review queue.
        package static let conflictResolve = Action(rawValue: "conflict.resolve")
        /// An admin paired a household with a helper.
        package static let assignmentStart = Action(rawValue: "assignment.start")
        /// An admin ended a helper's assignment of a household.
        package static let assignmentEnd = Action(rawValue: "assignment.end")
        /// An admin account was created.
        package static let adminCreate = Action(rawValue: "admin.create")
        /// An admin account was disabled.
        package static let adminDisable = Action(rawValue: "admin.disable")
        /// A device was enrolled.
        package static let deviceEnroll = Action(rawValue: "device.enroll")
        /// An admin issued a one-time enrolment code.
        package static let enrolmentCodeIssue = Action(rawValue: "enrolment_code.issue")
        /// A device was revoked (a lost phone).
        package static let deviceRevoke = Action(rawValue: "device.revoke")
        /// Compaction forgot old tombstones.
        package static let compaction = Action(rawValue: "compaction")
        /// An admin read personal data in full (a county admin or the operator: protocol/security.md §5).
        package static let personalRead = Action(rawValue: "personal.read")
        /// A 明白卡 was issued for a household (protocol/cards.md §5).
        package static let cardIssue = Action(rawValue: "card.issue")
        /// A 明白卡 was withdrawn.
        package static let cardRevoke = Action(rawValue: "card.revoke")
    }

    package var action: Action
    /// Server time, milliseconds since 1970.
    package var at: Int64
    /// The helper or admin id that acted (`operator` for the configured operator token and the CLI).
    package var actor: String
    /// The device it acted from, when it acted from one.
    package var deviceId: String?
    /// The record concerned, if any.
    package var collection: String?
    package var recordId: String?
    /// `create`, `set` or `delete` for record writes.
    package var op: String?
    /// The record's revision after the write.
    package var revision: Int64?
    /// Each changed field with its new value (`null` when removed); personal fields as `hmac:<hex>`.
    package var fields: [String: JSONValue]
    /// What else the action needs to be understood (the device's sequence number, a conflict id and the
    /// choice, an account's role and region, a compaction's counts). Never personal data.
    package var detail: [String: JSONValue]

    package init(action: Action, at: Int64, actor: String, deviceId: String? = nil, collection: String? = nil,
                 recordId: String? = nil, op: String? = nil, revision: Int64? = nil,
                 fields: [String: JSONValue] = [:], detail: [String: JSONValue] = [:]) {
        self.action = action
        self.at = at
        self.actor = actor
        self.deviceId = deviceId
        self.collection = collection
        self.recordId = recordId
        self.op = op
        self.revision = revision
        self.fields = fields
        self.detail = detail
    }

    /// The record key, when the entry is about a record of a known collection.
    package var recordKey: RecordKey? {
        guard let collection = collection.flatMap(CollectionName.init(rawValue:)), let recordId else { return nil }
        return RecordKey(collection, recordId)
    }

    /// The canonical encoding (protocol/audit.md §2): compact JSON, members sorted by name, absent members
    /// left out, `/` not escaped, non-ASCII as UTF-8. These bytes are what is stored and what is hashed.
    package var body: [UInt8] {
        var members: [String: JSONValue] = [
            "action": .string(action.rawValue), "at": .int(at), "actor": .string(actor),
        ]
        if let deviceId { members["device"] = .string(deviceId) }
        if let collection { members["collection"] = .string(collection) }
        if let recordId { members["recordId"] = .string(recordId) }
        if let op { members["op"] = .string(op) }
        if let revision { members["revision"] = .int(revision) }
        if !fields.isEmpty { members["fields"] = .object(fields) }
        if !detail.isEmpty { members["detail"] = .object(detail) }
        return JSONWriter.bytes(.object(members))
    }

    /// Reads an entry back from its stored body.
    package init(body: some Sequence<UInt8>) throws {
        guard case .object(let members) = try JSONParser.parse(body),
            let action = members["action"]?.stringValue, let at = members["at"]?.intValue,
            let actor = members["actor"]?.stringValue
        else { throw AuditBodyError() }
        self.init(action: Action(rawValue: action), at: at, actor: actor, deviceId: members["device"]?.stringValue,
                  collection: members["collection"]?.stringValue, recordId: members["recordId"]?.stringValue,
                  op: members["op"]?.stringValue, revision: members["revision"]?.intValue,
                  fields: members["fields"]?.objectValue ?? [:], detail: members["detail"]?.objectValue ?? [:])
    }
}

/// A stored body that is not an audit entry.
package struct AuditBodyError: Error, Sendable, Hashable {}
