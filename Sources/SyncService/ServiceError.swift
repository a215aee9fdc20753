import SyncModel

/// A request the service refuses as a whole (an outcome of a single mutation is a value, not this).
/// The edge maps `code` to an HTTP status; `message` is safe to show (no personal data, no internals).
package struct ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    package var code: ErrorCode
    package var message: String
    package init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(message) [\(code.rawValue)]" }
}
