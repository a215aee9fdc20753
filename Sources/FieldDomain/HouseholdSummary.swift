import Foundation
import SyncModel

/// Figures derived from a household record; computed on demand (for the card and admin views), never
/// stored, so they cannot disagree with the fields they come from.
public struct HouseholdSummary: Sendable, Hashable {
    /// Wage + business + property + transfer income − production cost, yuan per year.
    public var netIncome: Decimal
    /// Net income divided by the number of members, rounded half away from zero to the fen.
    public var perCapitaNetIncome: Decimal

    /// Derives the summary; see `derive(household:memberCount:)`.
    public init(household: [String: JSONValue], memberCount: Int) {
        (netIncome, perCapitaNetIncome) = HouseholdSummary.derive(household: household, memberCount: memberCount)
    }

    /// Whether per-capita net income is below `line`.
    public func isBelow(_ line: Decimal = PovertyLine.current) -> Bool { perCapitaNetIncome < line }

    /// Net income and per-capita net income of a household record. Missing or null income fields count as
    /// zero; a `memberCount` below 1 is treated as 1.
    public static func derive(household: [String: JSONValue], memberCount: Int) -> (netIncome: Decimal, perCapitaNetIncome: Decimal) {
        // Work in integer fen so that sums and the division round exactly once.
        var netFen: Int64 = 0
        for item in IncomeItem.allCases {
            let fen = household[item.rawValue].flatMap(fen(of:)) ?? 0
            netFen += item.isCost ? -fen : fen
        }
        let count = Int64(max(1, memberCount))
        let quotient = netFen / count, remainder = netFen % count
        var perCapitaFen = quotient
        if 2 * abs(remainder) >= count { perCapitaFen += netFen < 0 ? -1 : 1 }
        return (Decimal(netFen) / 100, Decimal(perCapitaFen) / 100)
    }

    private static func fen(of value: JSONValue) -> Int64? {
        switch value {
        case .int(let yuan): return yuan * 100
        case .double(let yuan) where yuan.isFinite && abs(yuan) < 1e13: return Int64((yuan * 100).rounded())
        default: return nil
        }
    }
}
