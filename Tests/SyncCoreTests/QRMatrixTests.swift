import Foundation
import MingbaiCard
import QRCode
import Testing

/// The QR codes the admin tool prints decode, with a real scanner (zbarimg), to what they carry. Payloads are
/// ASCII: zbar reads 8-bit data without an ECI header as Shift-JIS, so Chinese text would not come back.
@Suite struct QRMatrixTests {
    static let zbarimg = ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: zbarimg != nil, "zbarimg (zbar-tools) is not installed; scripts/test.sh installs it"),
          arguments: ["BFE1:7K3MQ9TX2HRW", "BFE1:0123456789AB", "https://sync.example.cn/enrol?c=7K3M"])
    func aScannerReadsBackThePayload(_ payload: String) throws {
        let matrix = try #require(QRMatrix(payload, level: .q))
        #expect(matrix.size >= 21 && (matrix.size - 17) % 4 == 0)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).pgm")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(matrix.pgm(scale: 4)).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.zbarimg!)
        process.arguments = ["-q", "--raw", "--nodbus", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let decoded = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(decoded.trimmingCharacters(in: .newlines) == payload)
    }

    /// The 明白卡 payload as a PNG (the image the server and `cards render` will serve): zbarimg reads back
    /// exactly the payload, which still verifies.
    @Test(.enabled(if: zbarimg != nil, "zbarimg (zbar-tools) is not installed; scripts/test.sh installs it"))
    func aScannerReadsTheCardPayloadOffItsPNG() throws {
        let vectors = try CardVectors.load()
        let payload = try #require(vectors.cases.first { $0.expected == "current" }?.payload)
        let png = try #require(QRMatrix(payload, level: .q)).png(scale: 8)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("card-qr-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(png).write(to: file)
        let decoded = try Self.scan(file)
        #expect(decoded == payload)
        let verdict = CardVerifier(trust: vectors.trust).verify(decoded) { vectors.households[$0] }
        #expect(CardVectors.name(verdict) == "current")
    }

    static func scan(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: zbarimg!)
        process.arguments = ["-q", "--raw", "--nodbus", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
    }

    @Test func theTerminalFormHasTwoModuleRowsPerLineAndAQuietZone() throws {
        let matrix = try #require(QRMatrix("BFE1:7K3MQ9TX2HRW"))
        let lines = matrix.terminalText(margin: 2).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == (matrix.size + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == matrix.size + 4 })
        #expect(lines.first!.allSatisfy { $0 == "█" })
    }
}
