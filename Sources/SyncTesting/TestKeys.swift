import Crypto
import MingbaiCard
import SyncEngine
import SyncService

/// A random audit key and data key set per test process (tests and benchmarks; a server reads its keys from
/// files). One per process, so that every service a test builds over the same database reads what another wrote.
package enum TestKeys {
    private static let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    package static var key: SymmetricKey { SymmetricKey(data: bytes) }
    package static let redactor = AuditRedactor(key: key)
    package static let cipher = PersonalDataCipher(ring: .random())
    /// A 明白卡 signing key, valid from 1970.
    package static let cardKeys: CardKeySource = {
        let signer = try! CardSigner(privateKey: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        return .fixed(.init(signer: signer, published: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)]))
    }()
}
