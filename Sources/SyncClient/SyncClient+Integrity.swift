import SyncModel

/// What an integrity check found and did.
public struct IntegrityReport: Sendable, Hashable {
    /// Households dropped locally: the device held them outside its scope.
    public var purged: [String]
    /// Households the device lacked or held differently; their presence triggers a re-bootstrap.
    public var refetched: [String]
    /// Whether the device bootstrapped again (staged, outbox kept) to repair what differed.
    public var resynced: Bool
}

extension SyncClient {
    /// Compares what this device holds with its scope on the server (protocol/scopes.md §6): drops the
    /// households it should no longer hold and, when anything it should hold is missing or differs,
    /// bootstraps again (staged, keeping the outbox). Run it after restoring the app's data from a backup,
    /// on demand, and periodically (``sync()`` does, every `integrityCheckInterval`).
    public func verifyIntegrity() async throws -> IntegrityReport {
        await acquireSyncSlot()
        defer { releaseSyncSlot() }
        try await prepareIfNeeded()
        var report = SyncReport()
        return try await runIntegrityCheck(&report)
    }

    /// The check itself; the caller holds the sync slot.
    func runIntegrityCheck(_ report: inout SyncReport) async throws -> IntegrityReport {
        // Digests cover confirmed records only, so unsent writes never look like divergence. The server
        // compares with its head: a household changed since this device's last pull differs without
        // anything being wrong. So a difference is first taken for lag: pull, and ask once more; only what
        // still differs after catching up is repaired by bootstrapping again.
        var response = try await transport.checkIntegrity(try await store.integrityRequest())
        if !response.refetch.isEmpty || !response.otherMatches {
            try await pullAll(&report)
            response = try await transport.checkIntegrity(try await store.integrityRequest())
        }
        if !response.purge.isEmpty { try await store.purge(households: Set(response.purge)) }
        let resync = !response.refetch.isEmpty || !response.otherMatches
        if resync {
            try await store.beginResync()
            report.resyncs += 1
            try await pullAll(&report)
        }
        lastIntegrityCheck = clock()
        logger.info("integrity checked", metadata: [
            "sync.device": "\(deviceId)", "integrity.purged": "\(response.purge.count)",
            "integrity.refetch": "\(response.refetch.count)", "integrity.resync": "\(resync)",
        ])
        return IntegrityReport(purged: response.purge, refetched: response.refetch, resynced: resync)
    }
}
