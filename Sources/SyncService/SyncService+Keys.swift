import FieldDomain
import Synchronization
import SyncEngine
import SyncModel
import SyncStore

/// What a re-encryption pass did (`SyncService.reencryptPersonalData`).
package struct ReencryptionReport: Sendable, Hashable, Codable {
    /// Records and conflicts written back under the current key.
    package var records = 0
    package var conflicts = 0
    /// The key they now use.
    package var currentKeyId: String

    package init(currentKeyId: String) { self.currentKeyId = currentKeyId }
}

/// How many stored personal values each data key protects (`bangfu-admin keys list`).
package struct KeyUsage: Sendable, Hashable, Codable {
    /// Values per key id; `plaintext` counts values written before encryption and not yet moved.
    package var values: [String: Int] = [:]
    package var currentKeyId: String

    package static let plaintext = "plaintext"
}

/// Key rotation (docs/personal-data.md "Keys"): moving every stored personal value to the current data key,
/// in batches, without a new revision or log position (re-encryption is not a change a device pulls).
extension SyncService {
    /// The collections that hold personal fields, from the catalogue.
    static var personalCollections: [CollectionName] {
        CollectionName.allCases.filter { !Domain.schema(for: $0).personalFields.isEmpty }
    }

    /// The adapter under the cipher: re-encryption works on the stored ciphertexts.
    var adapter: any SyncStore { (store as? PersonalDataStore)?.base ?? store }

    /// Re-reads the key set, then rewrites, batch by batch, every record and conflict holding a personal
    /// value under another key (or in plaintext) under the current one. Safe beside live writes (each batch
    /// is one transaction of the store; a value written meanwhile is already under the current key) and on
    /// several nodes at once (a value already moved is left alone).
    package func reencryptPersonalData(batchSize: Int = 500) async throws -> ReencryptionReport {
        try cipher.refreshKeys()
        let cipher = self.cipher
        var report = ReencryptionReport(currentKeyId: cipher.currentKeyId)
        for collection in Self.personalCollections {
            report.records += try await rewriteEach(collection, batchSize: batchSize) { try cipher.reseal($0) }
        }
        report.conflicts = try await rewriteEachConflict(batchSize: batchSize) { conflict in
            guard Self.keyIds(of: conflict).contains(where: { $0 != cipher.currentKeyId }) else { return nil }
            return try cipher.seal(try cipher.open(conflict))
        }
        if report.records + report.conflicts > 0 {
            logger.info("personal data re-encrypted", metadata: [
                "keys.current": "\(report.currentKeyId)", "keys.records": "\(report.records)",
                "keys.conflicts": "\(report.conflicts)",
            ])
        }
        return report
    }

    /// Checks at start that this node's data keys read the database: a sample of stored personal values
    /// must decrypt. A key directory lost or replaced (a database restored without its `keys/`, a node given
    /// another directory) would otherwise start a server whose pulls fail on every page holding an old value
    /// while new values go under a key the others lack.
    package func checkDataKeys(sample: Int = 50) async throws {
        let cipher = self.cipher
        for collection in Self.personalCollections {
            do {
                _ = try await adapter.rewriteRecords(collection, after: nil, limit: sample) { record in
                    _ = try cipher.open(record)
                    return nil
                }
            } catch let error as SyncStoreError where error.code == .corruptRecord {
                throw DataKeyError("the data keys do not read this database (\(error.detail)): restore its key directory or point keysDir at it")
            }
        }
    }

    /// Counts the stored personal values under each key (a full scan; an operator's command, not a hot path).
    package func keyUsage(batchSize: Int = 1000) async throws -> KeyUsage {
        try cipher.refreshKeys()
        // By record, not added up: a batch PostgreSQL runs again after a lost race is not counted twice.
        let seen = Mutex<[String: [String]]>([:])
        for collection in Self.personalCollections {
            let personal = Domain.schema(for: collection).personalFields.map(\.name)
            _ = try await rewriteEach(collection, batchSize: batchSize) { record in
                let ids = personal.compactMap { record.fields[$0]?.stringValue }.map(Self.keyId)
                seen.withLock { $0["\(collection.rawValue)/\(record.id)"] = ids }
                return nil
            }
        }
        _ = try await rewriteEachConflict(batchSize: batchSize) { conflict in
            seen.withLock { $0["conflict/\(conflict.id)"] = Self.keyIds(of: conflict) }
            return nil
        }
        var counts: [String: Int] = [:]
        for id in seen.withLock({ $0.values.joined() }) { counts[id, default: 0] += 1 }
        return KeyUsage(values: counts, currentKeyId: cipher.currentKeyId)
    }

    /// Walks every stored record of `collection`, one store transaction per batch, writing back what
    /// `rewrite` returns; returns how many it wrote.
    private func rewriteEach(_ collection: CollectionName, batchSize: Int,
                             _ rewrite: @escaping @Sendable (SyncRecord) throws -> SyncRecord?) async throws -> Int {
        var (after, written): (String?, Int) = (nil, 0)
        repeat {
            let pass = try await adapter.rewriteRecords(collection, after: after, limit: batchSize, rewrite)
            (after, written) = (pass.last, written + pass.rewritten)
        } while after != nil
        return written
    }

    /// The same walk over every stored conflict.
    private func rewriteEachConflict(batchSize: Int,
                                     _ rewrite: @escaping @Sendable (Conflict) throws -> Conflict?) async throws -> Int {
        var (after, written): (String?, Int) = (nil, 0)
        repeat {
            let pass = try await adapter.rewriteConflicts(after: after, limit: batchSize, rewrite)
            (after, written) = (pass.last, written + pass.rewritten)
        } while after != nil
        return written
    }

    private static func keyId(_ value: String) -> String {
        PersonalDataCipher.keyId(of: value) ?? KeyUsage.plaintext
    }

    /// The key ids (or `plaintext`) of the personal values a conflict holds.
    static func keyIds(of conflict: Conflict) -> [String] {
        personalValues(in: conflict).compactMap(\.value.stringValue).map(keyId)
    }

    /// The personal values a conflict carries, with their fields: a hard conflict's bare values when its
    /// field is personal; the personal members of a soft or deleted conflict's objects (which hold the whole
    /// edit, not only the fields the conflict names).
    static func personalValues(in conflict: Conflict) -> [(field: String, value: JSONValue)] {
        let schema = Domain.schema(for: conflict.collection)
        var values = [conflict.existing.value, conflict.incoming.value]
        if let resolution = conflict.resolution { values.append(resolution.value) }
        if let field = conflict.field {
            return schema.isPersonal(field) ? values.filter { !$0.isNull }.map { (field, $0) } : []
        }
        return values.flatMap { value -> [(field: String, value: JSONValue)] in
            guard case .object(let members) = value else { return [] }
            return members.filter { schema.isPersonal($0.key) && !$0.value.isNull }.map { ($0.key, $0.value) }
        }
    }
}
