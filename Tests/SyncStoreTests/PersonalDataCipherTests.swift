import SyncService
import SyncStore
import Testing

/// The ciphertext format of protocol/security.md §5: it round-trips, names its key, does not decrypt for
/// another record or field (associated data), under another key, or edited; plaintext reads as it is.
@Suite struct PersonalDataCipherTests {
    @Test func aCiphertextOpensOnlyWhereItWasWritten() throws {
        let cipher = PersonalDataCipher(ring: .random())
        let sealed = try cipher.seal("522327196101021036", context: "members/5223271012010001-02/idNumber")
        #expect(sealed.hasPrefix("enc:v1:\(cipher.currentKeyId):"))
        #expect(PersonalDataCipher.keyId(of: sealed) == cipher.currentKeyId)
        #expect(!sealed.contains("522327196101021036"))
        #expect(try cipher.open(sealed, context: "members/5223271012010001-02/idNumber") == "522327196101021036")
        #expect(try cipher.seal("522327196101021036", context: "members/5223271012010001-02/idNumber") != sealed,
                "a fresh nonce each time")

        // Moved to another record or field, edited, or under a key this node never had: refused, no value shown.
        for (value, context) in [(sealed, "members/5223271012010001-03/idNumber"), (sealed, "households/5223271012010001/phone"),
                                 (String(sealed.dropLast()) + (sealed.hasSuffix("A") ? "B" : "A"), "members/5223271012010001-02/idNumber")] {
            do {
                _ = try cipher.open(value, context: context)
                Issue.record("opened for \(context)")
            } catch let error as SyncStoreError {
                #expect(error.code == .corruptRecord && !error.detail.contains("5223271012010001"))
            }
        }
        #expect(throws: SyncStoreError.self) {
            _ = try PersonalDataCipher(ring: .random()).open(sealed, context: "members/5223271012010001-02/idNumber")
        }
        // Plaintext from before encryption reads as it is; so does a value that only looks like a prefix.
        #expect(try cipher.open("13800138000", context: "households/x/phone") == "13800138000")
        #expect(try cipher.open("enc:v1:", context: "households/x/phone") == "enc:v1:")
        #expect(PersonalDataCipher.keyId(of: "13800138000") == nil)
    }
}
