import SyncModel

extension SyncClient {
    /// Records a visit (append-only evidence) and returns its id, a lowercase UUID.
    @discardableResult
    public func recordVisit(_ draft: VisitDraft) async throws -> String {
        let id = makeId()
        var fields = draft.fields
        // Evidence is signed when it is recorded, offline, by the phone's key (protocol/security.md §3).
        if let session { fields[DeviceSignature.field] = try await session.signVisit(recordId: id, fields: fields) }
        try await enqueue(LocalWrite(collection: CollectionName.visits.rawValue, recordId: id, op: .create,
                                     fields: fields))
        return id
    }

    /// Corrects a visit: visits are evidence and never change, so a correction is a new visit that names the
    /// original in `amends` (the server refuses an in-place edit with `visit_immutable`). Returns its id.
    @discardableResult
    public func amendVisit(_ originalId: String, with draft: VisitDraft) async throws -> String {
        guard try await record(collection: .visits, id: originalId) != nil else {
            throw SyncError(kind: .recordNotFound, message: "no visit with this id on the device")
        }
        var draft = draft
        draft.extraFields["amends"] = .string(originalId)
        return try await recordVisit(draft)
    }

    /// Writes some fields of a household the device holds; each field merges on its own on the server.
    public func updateHousehold(id: String, fields: [String: JSONValue]) async throws {
        try await update(.households, id: id, fields: fields)
    }

    /// Adds a member to a household and returns the member's id, `<householdId>-m-<8 hex>`.
    @discardableResult
    public func addMember(householdId: String, fields: [String: JSONValue]) async throws -> String {
        let suffix = makeId().filter { $0 != "-" }.prefix(8)
        let id = "\(householdId)-m-\(suffix)"
        guard Mutation.isValidRecordId(id) else {
            throw SyncError(kind: .invalidRecordId, message: "member id would not be a valid record id")
        }
        var fields = fields
        fields["householdId"] = .string(householdId)
        try await enqueue(LocalWrite(collection: CollectionName.members.rawValue, recordId: id, op: .create,
                                     fields: fields))
        return id
    }

    /// Writes some fields of a member the device holds (or has added and not yet sent).
    public func updateMember(id: String, fields: [String: JSONValue]) async throws {
        try await update(.members, id: id, fields: fields)
    }

    private func update(_ collection: CollectionName, id: String, fields: [String: JSONValue]) async throws {
        guard !fields.isEmpty else { return }
        guard try await record(collection: collection, id: id) != nil else {
            throw SyncError(kind: .recordNotFound, message: "no \(collection.rawValue) record with this id on the device")
        }
        try await enqueue(LocalWrite(collection: collection.rawValue, recordId: id, op: .set, fields: fields))
    }

    private func enqueue(_ write: LocalWrite) async throws {
        try await prepareIfNeeded()
        let mutation = try await store.enqueue(write, now: clock())
        logger.debug("local write queued", metadata: [
            "sync.device": "\(deviceId)", "sync.seq": "\(mutation.seq)", "sync.collection": "\(write.collection)",
        ])
        try await refreshCounts()
    }
}
