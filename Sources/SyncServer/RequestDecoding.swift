import Foundation
import NIOCore
import NIOFoundationCompat
import SyncModel

/// Reads admin and integrity request bodies. The text goes through `JSONParser` first, which refuses what
/// Foundation's decoder lets through, duplicate member names above all (Foundation keeps one of them
/// silently, so two readers of one body could disagree): `400 malformed_json` (protocol/README.md §10).
enum RequestDecoding {
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        _ = try JSONParser.parse(body.readableBytesView)
        return try JSONResponse.decoder.decode(type, from: body)
    }

    /// A paging parameter: absent → `value`; not an integer in `range` → 400 `invalid_request`, never clamped
    /// (protocol/README.md §12).
    static func int(_ raw: Substring?, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let raw else { return value }
        guard let parsed = Int(String(raw)), range.contains(parsed) else {
            let bounds = range.upperBound == .max ? "≥ \(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)"
            throw APIError(.badRequest, .invalidRequest, "\(name) 应为 \(bounds) 的整数 (\(name) must be an integer \(bounds))")
        }
        return parsed
    }
}
