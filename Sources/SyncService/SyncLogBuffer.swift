import Synchronization
import SyncStore

/// Collects sync-log lines in memory and hands them to the store in batches, so that recording a sync does
/// not cost every request a second durable commit. Lines not yet flushed are lost if the process dies; the
/// data itself never is (the device's sequence commits with the push).
package final class SyncLogBuffer: Sendable {
    private let pending = Mutex<[SyncLogEntry]>([])

    package init() {}

    package func append(_ entry: SyncLogEntry) {
        pending.withLock { $0.append(entry) }
    }

    /// Takes everything pending.
    package func drain() -> [SyncLogEntry] {
        pending.withLock { entries in
            defer { entries.removeAll(keepingCapacity: true) }
            return entries
        }
    }
}
