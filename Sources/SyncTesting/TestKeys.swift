import Crypto
import SyncEngine
import SyncService

/// A random audit key and data key set per test process (tests and benchmarks; a server reads its keys from
/// files). One per process, so that every service a test builds over the same database reads what another wrote.
package enum TestKeys {
    private static let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    package static var key: SymmetricKey { SymmetricKey(data: bytes) }
    package static let redactor = AuditRedactor(key: key)
    package static let cipher = PersonalDataCipher(ring: .random())
}
