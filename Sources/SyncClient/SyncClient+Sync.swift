import SyncModel

extension SyncClient {
    /// Pushes the whole outbox in order (batches of at most 200), then pulls until the server has no more.
    ///
    /// Network failures and overload (`503`, honouring `Retry-After`) back off with full jitter and try
    /// again, up to ``RetryPolicy/maxAttempts``; every acknowledged batch and every pulled page is committed
    /// locally as it arrives, so a retry (or a process killed mid-sync) resumes where it stopped. Calls made
    /// while a sync runs wait for it and then run their own, so two syncs never overlap.
    /// - Throws: ``SyncError`` — `.server` with the server's code for refusals such as `token_expired`,
    ///   `.retriesExhausted`, or `.protocolViolation`.
    @discardableResult
    public func sync() async throws -> SyncReport {
        await acquireSyncSlot()
        defer { releaseSyncSlot() }
        broadcaster.update { $0.activity = .syncing }
        do {
            try await prepareIfNeeded()
            let report = try await syncWithRetries()
            let now = clock()
            broadcaster.update { status in
                status.activity = .idle
                status.lastSyncAt = now
            }
            try await refreshCounts()
            logger.info("sync finished", metadata: [
                "sync.device": "\(deviceId)", "sync.acknowledged": "\(report.acknowledged)",
                "sync.pulled": "\(report.pulledChanges)", "sync.attempts": "\(report.attempts)",
            ])
            return report
        } catch {
            let failure = Self.syncError(from: error)
            broadcaster.update { $0.activity = failure.map { .error("\($0)") } ?? .idle }
            try? await refreshCounts()
            logger.warning("sync failed", metadata: [
                "sync.device": "\(deviceId)", "sync.error": "\(failure?.kind.description ?? "cancelled")",
            ])
            throw failure ?? error
        }
    }

    private func syncWithRetries() async throws -> SyncReport {
        if await session?.isRevoked == true {
            throw SyncError(kind: .server, code: .deviceRevoked, httpStatus: 401, message: "device revoked: enrol again")
        }
        var report = SyncReport()
        var attempt = 0
        var refreshed = false
        var mustRefresh = false
        while true {
            attempt += 1
            report.attempts = attempt
            let retryAfter: Double?
            do {
                if mustRefresh {
                    // Inside the retry loop: a refresh lost on the network is retried like a push.
                    try await session?.refresh(via: transport, now: clock() + serverClockOffset)
                    mustRefresh = false
                    refreshed = true
                }
                let deferred = try await syncOnce(&report)
                if !deferred || attempt >= policy.maxAttempts {
                    report.pushDeferred = deferred
                    report.pending = try await store.pendingCount()
                    return report
                }
                retryAfter = nil
            } catch SyncTransportError.http(status: 401, let body) where body?.code == .tokenExpired && session != nil && !refreshed {
                // The access token lived its day: prove the key for new tokens and go on at once.
                mustRefresh = true
                attempt -= 1
                continue
            } catch SyncTransportError.http(status: 401, let body) where body?.code == .deviceRevoked {
                try await wipeRevokedDevice()
                throw SyncError(kind: .server, code: .deviceRevoked, httpStatus: 401,
                                message: "device revoked: local data and unsent writes were deleted")
            } catch let error as SyncTransportError where error.isRetryable {
                guard attempt < policy.maxAttempts else {
                    throw SyncError(kind: .retriesExhausted,
                                    message: "gave up after \(attempt) attempts; last failure: \(Self.summary(error))")
                }
                if case .overloaded(let seconds) = error { retryAfter = seconds } else { retryAfter = nil }
            }
            let seconds = jitteredDelay(afterAttempt: attempt, retryAfter: retryAfter)
            let until = clock() + Int64((seconds * 1000).rounded(.up))
            broadcaster.update { $0.activity = .backingOff(until: until) }
            logger.debug("sync backing off", metadata: ["sync.device": "\(deviceId)", "sync.attempt": "\(attempt)"])
            try await sleep(.milliseconds(Int64((seconds * 1000).rounded(.up))))
            broadcaster.update { $0.activity = .syncing }
        }
    }

    /// One push-then-pull pass, with an integrity check when one is due. Returns whether the server
    /// deferred part of the outbox (`retryLater`).
    private func syncOnce(_ report: inout SyncReport) async throws -> Bool {
        let deferred = try await pushOutbox(&report)
        try await pullAll(&report)
        if let interval = integrityCheckInterval, !deferred,
            lastIntegrityCheck.map({ clock() - $0 >= interval.components.seconds * 1000 }) ?? true
        {
            do {
                _ = try await runIntegrityCheck(&report)
            } catch SyncTransportError.http(let status, _) where status == 404 {
                // A server without the check: try again next interval, the sync itself succeeded.
                lastIntegrityCheck = clock()
            }
        }
        return deferred
    }

    private func pushOutbox(_ report: inout SyncReport) async throws -> Bool {
        var acknowledged = try await store.syncState().lastAppliedSeq
        var fromSeq: Int64 = 0
        var resendingFrom: Int64?
        var batchLimit = pushBatchSize
        while true {
            let batch = try await store.pendingMutations(fromSeq: fromSeq, limit: batchLimit)
            guard let first = batch.first else { return false }
            if let resendingFrom, first.seq != resendingFrom {
                throw SyncError(kind: .protocolViolation,
                                message: "server expects seq \(resendingFrom) but the outbox resumes at \(first.seq)")
            }
            let response: PushResponse
            do {
                response = try await transport.push(
                    PushRequest(deviceId: deviceId, clientVersion: clientVersion, mutations: batch))
            } catch SyncTransportError.http(status: 413, let body) where batch.count > 1 {
                // Too large a body (photos-heavy visits): halve the batch rather than wedge the outbox.
                batchLimit = max(1, batch.count / 2)
                logger.debug("push batch too large, halving", metadata: [
                    "sync.device": "\(deviceId)", "sync.batch": "\(batchLimit)", "sync.code": "\(body?.code.rawValue ?? "")",
                ])
                continue
            }
            serverClockOffset = response.serverTime - clock()
            let decision = PushDecision.make(sent: batch, response: response, acknowledged: acknowledged)
            report.newRejections += try await store.acknowledge(
                upTo: decision.acknowledgeUpTo, results: response.results, now: clock())
            report.acknowledged += batch.count { $0.seq > acknowledged && $0.seq <= decision.acknowledgeUpTo }
            acknowledged = max(acknowledged, decision.acknowledgeUpTo)
            switch decision.next {
            case .proceed:
                fromSeq = 0
                resendingFrom = nil
            case .retryLater:
                return true
            case .resend(let expected):
                guard expected != resendingFrom else {
                    throw SyncError(kind: .protocolViolation, message: "server keeps expecting seq \(expected)")
                }
                fromSeq = expected
                resendingFrom = expected
            case .violation(let message):
                throw SyncError(kind: .protocolViolation, message: message)
            }
        }
    }

    func pullAll(_ report: inout SyncReport) async throws {
        var cursor = try await store.syncState().cursor
        var resynced = false
        while true {
            let page: PullResponse
            do {
                page = try await transport.pull(cursor: cursor, maxBytes: pullMaxBytes)
            } catch SyncTransportError.http(let status, let body)
                where !resynced && !cursor.isEmpty && [.resyncRequired, .invalidCursor].contains(body?.code)
            {
                // The server cannot serve this cursor (another database, older than its compaction
                // horizon): bootstrap again, staged, keeping the outbox (protocol/scopes.md §6).
                logger.info("sync resyncing", metadata: [
                    "sync.device": "\(deviceId)", "sync.code": "\(body?.code.rawValue ?? "")", "http.status": "\(status)",
                ])
                try await store.beginResync()
                report.resyncs += 1
                resynced = true
                cursor = ""
                continue
            }
            serverClockOffset = page.serverTime - clock()
            try await store.applyPullPage(page, now: clock())
            report.pulledChanges += page.changes.count
            guard page.hasMore else { return }
            if page.cursor == cursor && page.changes.isEmpty {
                throw SyncError(kind: .protocolViolation, message: "pull says hasMore but its cursor did not move")
            }
            cursor = page.cursor
        }
    }

    func acquireSyncSlot() async {
        guard isSyncing else {
            isSyncing = true
            return
        }
        // The finishing sync hands the slot straight to the first waiter: `isSyncing` stays true.
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    func releaseSyncSlot() {
        if syncWaiters.isEmpty {
            isSyncing = false
        } else {
            syncWaiters.removeFirst().resume()
        }
    }

    /// The app-facing error for a failure, or `nil` for cancellation.
    /// A revoked phone (lost, or taken from its helper) deletes everything it holds: records, the outbox
    /// (unsent writes are gone with it, protocol/security.md §4) and its key and tokens.
    private func wipeRevokedDevice() async throws {
        try await store.wipe()
        try await session?.wipe()
        isPrepared = false
        logger.notice("device revoked: local data wiped", metadata: ["sync.device": "\(deviceId)"])
    }

    private static func syncError(from error: any Error) -> SyncError? {
        switch error {
        case let error as SyncError:
            return error
        case let error as SyncTransportError:
            switch error {
            case .http(let status, let body):
                return SyncError(kind: .server, code: body?.code, httpStatus: status,
                                 message: body?.message ?? "server answered HTTP \(status)")
            case .decoding(let message):
                return SyncError(kind: .protocolViolation, message: message)
            case .network, .overloaded:
                return SyncError(kind: .retriesExhausted, message: summary(error))
            }
        case is CancellationError:
            return nil
        case let error as LocalStoreError:
            return SyncError(kind: .localStore, message: error.message)
        default:
            // Database errors can quote SQL; only the type reaches the app and the log.
            return SyncError(kind: .localStore, message: "local store failed (\(type(of: error)))")
        }
    }

    private static func summary(_ error: SyncTransportError) -> String {
        switch error {
        case .network(let message): return "network: \(message)"
        case .overloaded: return "server overloaded"
        case .http(let status, let body): return "HTTP \(status) \(body?.code.rawValue ?? "")"
        case .decoding(let message): return "decoding: \(message)"
        }
    }
}
