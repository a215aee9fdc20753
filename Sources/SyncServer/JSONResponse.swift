import Foundation
import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore
import SyncModel

/// Encodes response bodies as JSON, gzip-compressed when the client accepts it and the body is large
/// enough to gain from it.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// Smallest body worth compressing (documented in protocol/README.md §10).
    static let compressionThreshold = 1024

    static func make<Value: Encodable>(
        _ value: Value, status: HTTPResponse.Status = .ok, request: Request, headers: HTTPFields = [:]
    ) throws -> Response {
        var buffer = ByteBuffer(bytes: try encoder.encode(value))
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        if buffer.readableBytes >= compressionThreshold, acceptsGzip(request) {
            buffer = try buffer.compress(with: .gzip())
            fields[.contentEncoding] = "gzip"
            fields[.vary] = "Accept-Encoding"
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        guard let header = request.headers[.acceptEncoding] else { return false }
        return header.split(separator: ",").contains { part in
            let item = part.split(separator: ";")
            guard item.first?.trimmingCharacters(in: .whitespaces).lowercased() == "gzip" else { return false }
            // `gzip;q=0` means "not gzip".
            return !item.dropFirst().contains { $0.trimmingCharacters(in: .whitespaces) == "q=0" }
        }
    }
}
