import NIOCore

/// Reads a `text/event-stream` body (the subset `/sync/events` sends): lines separated by `\n`, an event
/// ending at an empty line, its name in an `event:` line; comments (`:`) and other fields are skipped. A
/// line longer than `maxLineBytes` is refused, so a broken server cannot make the device buffer without end.
struct ServerSentEvents {
    static let maxLineBytes = 4096
    private var line: [UInt8] = []
    private var name = ""

    struct LineTooLong: Error {}

    /// Feeds bytes; returns the names of the events they completed (`message` when unnamed).
    mutating func feed(_ buffer: ByteBuffer) throws -> [String] {
        var completed: [String] = []
        for byte in buffer.readableBytesView {
            guard byte == UInt8(ascii: "\n") else {
                guard line.count < Self.maxLineBytes else { throw LineTooLong() }
                if byte != UInt8(ascii: "\r") { line.append(byte) }
                continue
            }
            if line.isEmpty {
                if !name.isEmpty { completed.append(name) }
                name = ""
            } else if line.starts(with: Array("event:".utf8)) {
                name = String(decoding: line.dropFirst(6), as: UTF8.self).trimmingSpaces
            } else if line.starts(with: Array("data:".utf8)), name.isEmpty {
                name = "message"
            }
            line.removeAll(keepingCapacity: true)
        }
        return completed
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
