import SyncModel

/// Computes the app's view: confirmed records with pending mutations replayed over them in `seq` order.
///
/// `create` inserts the record (or, if the server already delivered it, overwrites the fields it names);
/// `set` overwrites the fields it names with the mutation's values and stamp; a `set` on a record the
/// device does not hold shows nothing, because the record was deleted or left the scope and the server
/// will reject the write.
enum LocalView {
    static func records(_ snapshot: LocalSnapshot) -> [LocalRecord] {
        var order: [String] = []
        var listed: Set<String> = []
        var byId: [String: LocalRecord] = [:]
        for confirmed in snapshot.confirmed {
            if listed.insert(confirmed.id).inserted { order.append(confirmed.id) }
            byId[confirmed.id] = LocalRecord(collection: confirmed.collection, id: confirmed.id,
                                             version: confirmed.version, fields: confirmed.fields,
                                             stamps: confirmed.stamps, hasPendingChanges: false,
                                             openConflicts: confirmed.openConflicts)
        }
        for mutation in snapshot.pending.sorted(by: { $0.seq < $1.seq }) {
            switch mutation.op {
            case .create:
                if byId[mutation.recordId] == nil {
                    if listed.insert(mutation.recordId).inserted { order.append(mutation.recordId) }
                    byId[mutation.recordId] = LocalRecord(collection: mutation.collection, id: mutation.recordId,
                                                          version: nil, fields: [:], stamps: [:],
                                                          hasPendingChanges: true)
                }
                overlay(mutation, on: &byId[mutation.recordId]!)
            case .set:
                guard byId[mutation.recordId] != nil else { continue }
                overlay(mutation, on: &byId[mutation.recordId]!)
            case .delete:
                byId[mutation.recordId] = nil
            }
        }
        return order.compactMap { byId[$0] }
    }

    private static func overlay(_ mutation: Mutation, on record: inout LocalRecord) {
        for (name, value) in mutation.fields {
            record.fields[name] = value
            record.stamps[name] = mutation.stamp
        }
        record.hasPendingChanges = true
    }
}
