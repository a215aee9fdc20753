/// Bounds on the free-text strings a device or an admin sends and the server stores (protocol/README.md
/// §10): without them one enrolled phone could grow the database by megabytes per request.
package enum InputLimits {
    /// The longest device label, in Unicode code points (a 汉字 is one). Counted in code points, not
    /// characters, because one character may carry any number of combining marks.
    package static let labelCodePoints = 100
    /// The longest `clientVersion` (push body) or `Bangfu-Client-Version` header, in UTF-8 bytes.
    package static let clientVersionBytes = 128

    /// Refuses a device label longer than `labelCodePoints` with `invalid_request`.
    package static func checkLabel(_ label: String?) throws {
        guard let label, label.unicodeScalars.count > labelCodePoints else { return }
        throw ServiceError(.invalidRequest, "label 最多\(labelCodePoints)个字符 (label is at most \(labelCodePoints) characters)")
    }

    /// Refuses an app version string longer than `clientVersionBytes` with `invalid_request`.
    package static func checkClientVersion(_ clientVersion: String?) throws {
        guard let clientVersion, clientVersion.utf8.count > clientVersionBytes else { return }
        throw ServiceError(.invalidRequest,
                           "clientVersion 最多\(clientVersionBytes)字节 (clientVersion is at most \(clientVersionBytes) bytes)")
    }
}
