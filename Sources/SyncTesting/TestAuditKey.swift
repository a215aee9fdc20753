import Crypto
import SyncEngine

/// A random audit key per test process (tests and benchmarks; a server reads its key from a file).
package enum TestAuditKey {
    private static let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    package static var key: SymmetricKey { SymmetricKey(data: bytes) }
    package static let redactor = AuditRedactor(key: key)
}
