import SyncClient
import SyncModel

/// What the server holds for one device: every record in its scope, read by pulling from the empty cursor
/// until caught up (tombstones and removals drop records), as a fresh install would see it.
enum ServerView {
    static func fetch(_ transport: any SyncTransport) async throws -> [RecordKey: RecordChange] {
        var view: [RecordKey: RecordChange] = [:]
        var cursor = ""
        while true {
            let page = try await transport.pull(cursor: cursor, maxBytes: nil)
            for change in page.changes {
                guard let collection = CollectionName(rawValue: change.collection) else { continue }
                let key = RecordKey(collection, change.recordId)
                if change.deleted || change.removed == true { view[key] = nil } else { view[key] = change }
            }
            cursor = page.cursor
            if !page.hasMore { return view }
        }
    }
}
