/// Tunables of the sync service (the server's configuration feeds them; see README "Configuration").
package struct SyncServiceConfig: Sendable, Hashable {
    /// Stamps further ahead of the server clock than this are clamped (DESIGN §3.7).
    package var maxClockSkewSeconds: Int
    /// Pull page size when the device does not ask for one.
    package var defaultPullBytes: Int
    /// Bounds on the page size a device may ask for.
    package var minPullBytes: Int
    package var maxPullBytes: Int
    /// Most entries one push may carry.
    package var maxMutationsPerPush: Int
    /// Default lifetime of a device token: the refresh token of a device enrolled with a key (each refresh
    /// starts it again), the only token of one enrolled without.
    package var tokenLifetimeDays: Int
    /// Lifetime of an access token of a device enrolled with a key; the client refreshes it with its key.
    package var accessTokenHours = 24
    /// Default lifetime of an enrolment code.
    package var enrolmentCodeHours = 72
    /// Most households one integrity check may list (a county admin's phone holds about 20,000).
    package var maxIntegrityHouseholds = 100_000
    /// Bytes of log the card projection reads per page (tests make it small to cross many pages).
    package var cardProjectionPageBytes = 1 << 20

    package init(maxClockSkewSeconds: Int = 300, defaultPullBytes: Int = 262_144, minPullBytes: Int = 1024,
                 maxPullBytes: Int = 4_194_304, maxMutationsPerPush: Int = 1000, tokenLifetimeDays: Int = 365) {
        self.maxClockSkewSeconds = maxClockSkewSeconds
        self.defaultPullBytes = defaultPullBytes
        self.minPullBytes = minPullBytes
        self.maxPullBytes = maxPullBytes
        self.maxMutationsPerPush = maxMutationsPerPush
        self.tokenLifetimeDays = tokenLifetimeDays
    }
}
