/// A verdict as the wire names it and as the app shows it (protocol/cards.md §4).
extension CardVerdict {
    /// `current`, `outdated`, `genuine`, `revoked` or `forged`.
    public var name: String {
        switch self {
        case .current: "current"
        case .outdated: "outdated"
        case .genuine: "genuine"
        case .revoked: "revoked"
        case .forged: "forged"
        }
    }

    /// The claims of a genuine card (every verdict but *forged*).
    public var claims: CardClaims? {
        switch self {
        case .current(let claims), .outdated(let claims), .genuine(let claims), .revoked(let claims): claims
        case .forged: nil
        }
    }

    /// Why a payload is forged; nil otherwise.
    public var forgery: CardForgery? {
        if case .forged(let reason) = self { return reason }
        return nil
    }

    /// The verdict in zh-CN, as the app shows it.
    public var message: String {
        switch self {
        case .current: "真实有效，与当前档案一致"
        case .outdated: "真实，但户档案已变更，请补发新卡"
        case .genuine: "真实，但本机无该户完整档案，无法核对是否为最新"
        case .revoked: "该明白卡已作废"
        case .forged(let reason):
            switch reason {
            case .malformed: "无法识别：不是明白卡二维码"
            case .unknownAlgorithm, .unknownKey: "无法验证：签名密钥未知（请联网更新密钥后再试）"
            case .badSignature, .outsideKeyValidity: "伪造：签名无效"
            }
        }
    }

    /// The offline verdict as the app shows it: the message and the date of the trust list it rests on
    /// (protocol/cards.md §4: offline answers are "as of" the list), e.g.
    /// `真实有效，与当前档案一致（离线核验，密钥及作废名单截至 2026-12-07）`.
    public func offlineMessage(asOf: Int64) -> String {
        message + "（离线核验，密钥及作废名单截至 \(CardClaims.day(asOf))）"
    }
}
