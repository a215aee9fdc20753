/// Why a ``LocalStore`` refused an operation.
public struct LocalStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case notPrepared
        case deviceMismatch
        case corrupt
    }

    private let code: Code
    /// A description without personal data.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The store was used before ``LocalStore/prepare(deviceId:)``.
    public static let notPrepared = LocalStoreError(.notPrepared, "local store used before prepare(deviceId:)")
    /// The store already belongs to another device id; one database per device.
    public static let deviceMismatch = LocalStoreError(.deviceMismatch, "local store belongs to another device")
    /// A stored value could not be read back.
    public static func corrupt(_ what: String) -> LocalStoreError { LocalStoreError(.corrupt, "corrupt local data: \(what)") }

    public var description: String { message }

    public static func == (lhs: LocalStoreError, rhs: LocalStoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
