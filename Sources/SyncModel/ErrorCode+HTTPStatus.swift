extension ErrorCode {
    /// The HTTP status a request-level code is answered with (protocol/README.md, "Errors"). Mutation-level
    /// codes travel inside a 200 push response; for them this is 400.
    public var httpStatus: Int {
        switch self {
        case .tokenMissing, .tokenInvalid, .tokenExpired, .deviceRevoked, .proofInvalid: return 401
        case .deviceMismatch, .forbidden: return 403
        case .notFound, .conflictNotFound, .recordNotFound: return 404
        case .methodNotAllowed: return 405
        case .conflictNotOpen, .enrolmentCodeUsed, .cardOutdated, .cardRevoked: return 409
        case .resyncRequired: return 410
        case .bodyTooLarge: return 413
        case .protocolUnsupported: return 426
        case .rateLimited: return 429
        case .internalError: return 500
        case .overloaded, .cardKeysUnavailable: return 503
        default: return 400
        }
    }
}
