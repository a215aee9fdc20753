import FieldDomain
import Synchronization
import SyncStore

/// Live pokes (protocol/README.md §7a): the devices connected to this node, each with the scope it was
/// given when it connected, and the loop that turns the store's `LogAdvance`s into pokes for exactly the
/// devices whose scope an advance touches. A poke carries nothing: the device pulls.
///
/// A helper's scope is its assigned households (and its own records); an advance that names the helper
/// (one of its assignments changed, or one of its own records) pokes it and re-reads its households, so a
/// move-in reaches it at once. At most `maxListeners` devices listen on one node; more get `overloaded`.
package final class PokeHub: Sendable {
    struct Listener {
        var principal: Principal
        var scope: Scope
        var continuation: AsyncStream<Void>.Continuation
    }

    private let store: any SyncStore
    private let listeners = Mutex<[Int: Listener]>([:])
    private let nextId = Atomic<Int>(0)
    package let maxListeners: Int

    package init(store: any SyncStore, maxListeners: Int = 20_000) {
        self.store = store
        self.maxListeners = maxListeners
    }

    /// Registers `device` and returns its pokes, until the caller stops iterating. Throws `overloaded`
    /// when the node has `maxListeners` already.
    package func listen(_ device: DeviceIdentity) async throws -> AsyncStream<Void> {
        let scope = try await Self.scope(of: device.principal, store: store)
        // One poke waiting is as good as many: the device pulls everything new anyway.
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = nextId.add(1, ordering: .relaxed).newValue
        let admitted = listeners.withLock { listeners in
            guard listeners.count < maxListeners else { return false }
            listeners[id] = Listener(principal: device.principal, scope: scope, continuation: continuation)
            return true
        }
        guard admitted else {
            continuation.finish()
            throw ServiceError(.overloaded, "实时通知连接已满，请稍后重试 (too many live connections on this node)")
        }
        continuation.onTermination = { [weak self] _ in self?.listeners.withLock { _ = $0.removeValue(forKey: id) } }
        return stream
    }

    /// Pokes the listeners `advance` touches. Those whose helper it names also get their scope re-read.
    package func deliver(_ advance: LogAdvance) async {
        let (poked, refresh) = listeners.withLock { listeners -> ([AsyncStream<Void>.Continuation], [(Int, Principal)]) in
            var poked: [AsyncStream<Void>.Continuation] = []
            var refresh: [(Int, Principal)] = []
            for (id, listener) in listeners where advance.touches(listener.scope) {
                poked.append(listener.continuation)
                if case .helper(let helper) = listener.principal, advance.everything || advance.helpers.contains(helper) {
                    refresh.append((id, listener.principal))
                }
            }
            return (poked, refresh)
        }
        for (id, principal) in refresh {
            guard let scope = try? await Self.scope(of: principal, store: store) else { continue }
            listeners.withLock { $0[id]?.scope = scope }
        }
        for continuation in poked { continuation.yield() }
    }

    /// Delivers the store's advances until cancelled; then ends every listener's stream, so that event
    /// streams close and the server can shut down.
    package func run() async {
        for await advance in store.logAdvances.subscribe() {
            await deliver(advance)
        }
        for listener in listeners.withLock({ Array($0.values) }) { listener.continuation.finish() }
    }

    /// The scope a poke is matched against: a helper's current households and its own records, or an
    /// admin's region (`ScopeRules`; the since-positions do not matter for pokes).
    static func scope(of principal: Principal, store: any SyncStore) async throws -> Scope {
        switch principal {
        case .helper(let helper):
            return Scope.households(try await store.householdsAssigned(to: helper), owner: helper)
        case .admin:
            return ScopeRules.scope(for: principal, assignments: [])
        }
    }
}
