/// The credentials of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
///
/// Scheme names are case-insensitive (RFC 7235 §2.1), so `bearer` and `BEARER` are as good as `Bearer`; the
/// scheme and the token are separated by one or more spaces.
package enum BearerCredential {
    /// The token of a bearer `Authorization` header value; nil when the header is absent, empty, of another
    /// scheme, or carries no token.
    package static func parse(_ header: String?) -> String? {
        guard let header else { return nil }
        let scheme = "bearer"
        let utf8 = header.utf8
        guard utf8.count > scheme.utf8.count,
            String(decoding: utf8.prefix(scheme.utf8.count), as: UTF8.self).lowercased() == scheme
        else { return nil }
        let rest = utf8.dropFirst(scheme.utf8.count)
        guard rest.first == UInt8(ascii: " ") else { return nil }
        let token = String(decoding: rest.drop { $0 == UInt8(ascii: " ") }, as: UTF8.self)
        return token.isEmpty ? nil : token
    }
}
