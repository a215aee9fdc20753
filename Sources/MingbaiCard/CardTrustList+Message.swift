import SyncModel

extension CardTrustList {
    /// The trust list an app builds from `GET /sync/cards/trust` (entries it cannot read are left out: a card
    /// of such a key then verifies as *forged: unknownKey*, never as genuine).
    public init(message: CardTrustMessage) {
        self.init(
            keys: message.keys.compactMap { key in
                guard let publicKey = Base64URL.decode(key.publicKey), publicKey.count == 32 else { return nil }
                return CardSignerKey(publicKey: publicKey, validFrom: key.validFrom, validUntil: key.validUntil, revoked: key.revoked)
            },
            revocations: message.revocations.compactMap { list in
                guard let keyId = Hex.decode(list.keyId) else { return nil }
                return CardRevocationList(keyId: keyId, counter: list.counter, cardIds: Set(list.cardIds.compactMap(Hex.decode)))
            },
            asOf: message.asOf)
    }
}
