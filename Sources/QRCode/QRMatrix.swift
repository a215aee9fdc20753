import CQRencode

/// A QR code's modules, encoded by libqrencode: what the enrolment code's QR (and later the 明白卡) print.
public struct QRMatrix: Sendable, Hashable {
    /// Error correction. Printed credentials use Q (25 % of the code may be lost), DESIGN §5.
    public enum Level: Sendable {
        case l, m, q, h
        var native: QRecLevel {
            switch self {
            case .l: return QR_ECLEVEL_L
            case .m: return QR_ECLEVEL_M
            case .q: return QR_ECLEVEL_Q
            case .h: return QR_ECLEVEL_H
            }
        }
    }

    /// Modules per side.
    public let size: Int
    /// Row-major, `true` for a dark module.
    public let modules: [Bool]

    /// Encodes `text` (8-bit mode unless it is all upper-case alphanumeric, which libqrencode packs tighter).
    public init?(_ text: String, level: Level = .q) {
        guard let code = QRcode_encodeString(text, 0, level.native, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    /// Whether the module at `row`, `column` is dark; outside the code (the quiet zone) is light.
    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<size).contains(row), (0..<size).contains(column) else { return false }
        return modules[row * size + column]
    }

    /// The code for a terminal: two rows per line with half blocks, dark modules as the terminal's
    /// background (so it scans on dark and light themes alike when printed with `inverted` matching the
    /// theme), with a quiet zone of `margin` modules.
    public func terminalText(margin: Int = 2) -> String {
        var lines: [String] = []
        var row = -margin
        while row < size + margin {
            var line = ""
            for column in -margin..<(size + margin) {
                // Light modules are drawn (white ink on a dark terminal); dark ones are left blank.
                let top = !isDark(row: row, column: column)
                let bottom = !isDark(row: row + 1, column: column)
                switch (top, bottom) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
            row += 2
        }
        return lines.joined(separator: "\n")
    }

    /// A binary PGM image (`scale` pixels per module, 4-module quiet zone), e.g. for `zbarimg`.
    public func pgm(scale: Int = 4) -> [UInt8] {
        let side = (size + 8) * scale
        var bytes = Array("P5\n\(side) \(side)\n255\n".utf8)
        bytes.reserveCapacity(bytes.count + side * side)
        for y in 0..<side {
            for x in 0..<side {
                bytes.append(isDark(row: y / scale - 4, column: x / scale - 4) ? 0 : 255)
            }
        }
        return bytes
    }
}
