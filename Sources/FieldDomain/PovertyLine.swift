import Foundation

/// The income line households are measured against, in yuan of net income per capita per year.
///
/// Demo assumption: 7,600 yuan stands in for a 2026 provincial monitoring line (防止返贫监测线). Real lines
/// are set each year by each province; a deployment configures its own.
public enum PovertyLine {
    /// The demo's 2026 monitoring line, yuan per capita per year.
    public static let monitoring2026: Decimal = 7600

    /// The line used by the demo and the synthetic county.
    public static let current: Decimal = monitoring2026
}
