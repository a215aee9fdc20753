/// A closed set of ASCII codes that travel on the wire, each with a zh-CN display name for forms and cards.
///
/// Codes are stable identifiers (never translated, never renamed once published); `displayName` is what a
/// person reads.
public protocol DomainCode: RawRepresentable, CaseIterable, Sendable, Hashable
where RawValue == String, AllCases == [Self] {
    /// The zh-CN name shown to people, e.g. `因病` for `illness`.
    var displayName: String { get }
}

extension DomainCode {
    /// Every wire code, in declaration order.
    public static var codes: [String] { allCases.map(\.rawValue) }
}
