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

    /// Re-reads the key set, then rewrites, batch by batch, every record and conflict holding a personal
    /// value under another key (or in plaintext) under the current one. Safe beside live writes (each batch
    /// is one transaction of the store; a value written meanwhile is already under the current key) and on
    /// several nodes at once (a value already moved is left alone).
    package func reencryptPersonalData(batchSize: Int = 500) async throws -> ReencryptionReport {
        try cipher.refreshKeys()
        let cipher = self.cipher
        var report = ReencryptionReport(currentKeyId: cipher.currentKeyId)
        let base = (store as? PersonalDataStore)?.base ?? store
        for collection in Self.personalCollections {
            var after: String?
            repeat {
                let pass = try await base.rewriteRecords(collection, after: after, limit: batchSize) { try cipher.reseal($0) }
                report.records += pass.rewritten
                after = pass.last
            } while after != nil
        }
        var after: String?
        repeat {
            let pass = try await base.rewriteConflicts(after: after, limit: batchSize) { conflict in
                let moved = try cipher.seal(try cipher.open(conflict))
                return Self.keyIds(of: conflict).allSatisfy({ $0 == cipher.currentKeyId }) ? nil : moved
            }
            report.conflicts += pass.rewritten
            after = pass.last
        } while after != nil
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
        let base = (store as? PersonalDataStore)?.base ?? store
        for collection in Self.personalCollections {
            do {
                _ = try await base.rewriteRecords(collection, after: nil, limit: sample) { record in
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
        let counts = Mutex<[String: Int]>([:])
        let base = (store as? PersonalDataStore)?.base ?? store
        for collection in Self.personalCollections {
            let personal = Domain.schema(for: collection).personalFields.map(\.name)
            var after: String?
            repeat {
                let pass = try await base.rewriteRecords(collection, after: after, limit: batchSize) { record in
                    let ids = personal.compactMap { record.fields[$0]?.stringValue }.map(Self.keyId)
                    counts.withLock { counts in for id in ids { counts[id, default: 0] += 1 } }
                    return nil
                }
                after = pass.last
            } while after != nil
        }
        var after: String?
        repeat {
            let pass = try await base.rewriteConflicts(after: after, limit: batchSize) { conflict in
                let ids = Self.keyIds(of: conflict)
                counts.withLock { counts in for id in ids { counts[id, default: 0] += 1 } }
                return nil
            }
            after = pass.last
        } while after != nil
        return KeyUsage(values: counts.withLock { $0 }, currentKeyId: cipher.currentKeyId)
    }

    private static func keyId(_ value: String) -> String {
        PersonalDataCipher.keyId(of: value) ?? KeyUsage.plaintext
    }

    /// The key ids (or `plaintext`) of the personal values a conflict holds.
    static func keyIds(of conflict: Conflict) -> [String] {
        let schema = Domain.schema(for: conflict.collection)
        var values: [JSONValue] = [conflict.existing.value, conflict.incoming.value]
        if let resolution = conflict.resolution { values.append(resolution.value) }
        if let field = conflict.field {
            guard schema.isPersonal(field) else { return [] }
            return values.compactMap(\.stringValue).map(keyId)
        }
        return values.flatMap { value -> [String] in
            guard case .object(let members) = value else { return [] }
            return members.filter { schema.isPersonal($0.key) }.compactMap(\.value.stringValue).map(keyId)
        }
    }
}
