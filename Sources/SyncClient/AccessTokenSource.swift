/// Where a transport gets the bearer token it sends: a fixed token (a device enrolled without a key), or an
/// enrolled phone's session, whose token ``SyncClient`` refreshes.
public enum AccessTokenSource: Sendable {
    case token(String)
    case session(DeviceSession)

    /// The token to send now.
    public var current: String {
        get async {
            switch self {
            case .token(let token): return token
            case .session(let session): return await session.accessToken
            }
        }
    }
}
