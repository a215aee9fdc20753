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
}
