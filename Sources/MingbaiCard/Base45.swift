/// Base45 (RFC 9285): bytes as text in the 45-character QR alphanumeric alphabet, so that a QR code packs
/// it in alphanumeric mode (5.5 bits a character) instead of bytes (8). The EU Digital COVID Certificate
/// uses it for the same reason.
public enum Base45 {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    /// The Base45 text of `bytes`: each pair of bytes as three characters, a last odd byte as two.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 1) / 2 * 3)
        var index = 0
        while index + 1 < bytes.count {
            var value = Int(bytes[index]) * 256 + Int(bytes[index + 1])
            for _ in 0..<3 {
                output.append(alphabet[value % 45])
                value /= 45
            }
            index += 2
        }
        if index < bytes.count {
            let value = Int(bytes[index])
            output.append(alphabet[value % 45])
            output.append(alphabet[value / 45])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of Base45 `text`; nil for a character outside the alphabet, a length of 1 modulo 3, or a
    /// group whose value does not fit its bytes (RFC 9285 §4: such input is invalid, not wrapped).
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 3 != 1 else { return nil }
        var values: [Int] = []
        values.reserveCapacity(characters.count)
        for character in characters {
            guard let value = table[Int(character)] else { return nil }
            values.append(value)
        }
        var output: [UInt8] = []
        output.reserveCapacity(values.count / 3 * 2 + 1)
        var index = 0
        while index + 2 < values.count {
            let value = values[index] + values[index + 1] * 45 + values[index + 2] * 45 * 45
            guard value <= 0xFFFF else { return nil }
            output.append(UInt8(value >> 8))
            output.append(UInt8(value & 0xFF))
            index += 3
        }
        if index < values.count {
            let value = values[index] + values[index + 1] * 45
            guard value <= 0xFF else { return nil }
            output.append(UInt8(value))
        }
        return output
    }

    private static let table: [Int?] = {
        var table = [Int?](repeating: nil, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = index }
        return table
    }()
}
