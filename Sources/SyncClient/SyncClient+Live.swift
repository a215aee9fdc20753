import Logging

extension SyncClient {
    /// Keeps the device in sync until the task is cancelled: listens for live pokes and syncs on each
    /// (protocol/README.md §7a); when the server or the network offers no event stream, or it breaks, polls
    /// every `pollInterval` and tries to listen again. Sync failures are left to the next poke or poll (the
    /// status stream reports them).
    public func runLive(pollInterval: Duration = .seconds(60)) async {
        while !Task.isCancelled {
            _ = try? await sync()
            do {
                let pokes = try await transport.pokes()
                // Anything written between that sync and the stream opening would be missed: sync once more.
                _ = try? await sync()
                for try await _ in pokes { _ = try? await sync() }
            } catch {
                if Task.isCancelled { return }
                logger.debug("live pokes unavailable; polling", metadata: ["sync.error": "\(String(describing: error))"])
            }
            try? await sleep(pollInterval)
        }
    }
}
