import ArgumentParser
import CardRendering
import Crypto
import FieldDomain
import Foundation
import MingbaiCard
import QRCode
import SyncModel

/// `bangfu-bench cards`: what a 明白卡 costs on this machine, per stage, single-threaded: composing and
/// hashing the printed content, signing the payload, verifying it, encoding the QR (libqrencode) and
/// rendering the HTML page.
struct CardBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cards", abstract: "Cards composed, signed, verified, encoded and rendered per second.")

    @Option(help: "Households in the county (each stage runs over all of them).") var households = 2000

    func run() async throws {
        let county = CountyGenerator(households: households, seed: 42).generate()
        var members: [String: [String: [String: JSONValue]]] = [:]
        for member in county.members { members[member.scope.householdId ?? "", default: [:]][member.id] = member.fields }
        var helpersOf: [String: [String: [String: JSONValue]]] = [:]
        let helpers = Dictionary(uniqueKeysWithValues: county.helpers.map { ($0.id, $0.fields) })
        for assignment in county.assignments {
            guard let household = assignment.scope.householdId, let helper = assignment.scope.helperId else { continue }
            helpersOf[household, default: [:]][helper] = helpers[helper]
        }
        let signer = try CardSigner(privateKey: Array(SHA256.hash(data: Array("bangfu card bench".utf8))))
        let verifier = CardVerifier(trust: CardTrustList(keys: [CardSignerKey(publicKey: signer.publicKey, validFrom: 0)], asOf: 0))
        let renderer = try CardRenderer()
        let count = county.households.count

        var started = ContinuousClock.now
        let contents = county.households.map { household in
            CardContent.compose(householdId: household.id, household: household.fields, members: members[household.id] ?? [:],
                                helpers: helpersOf[household.id] ?? [:], visits: [:])
        }
        let hashes = contents.map(CardContent.hash)
        report("composed and hashed", count, since: started)

        started = ContinuousClock.now
        var claims: [CardClaims] = []
        let payloads = try zip(county.households, hashes).enumerated().map { index, pair in
            let claim = CardClaims(keyId: signer.keyId, cardId: (0..<12).map { UInt8(truncatingIfNeeded: index >> ($0 % 4 * 8)) },
                                   householdId: pair.0.id, householdRevision: pair.0.version, issuedAt: 1_795_313_100,
                                   contentHash: pair.1)
            claims.append(claim)
            return try signer.sign(claim)
        }
        report("signed", count, since: started)

        started = ContinuousClock.now
        var current = 0
        for (payload, hash) in zip(payloads, hashes) {
            if case .current = verifier.verify(payload, household: { _ in CardHouseholdState(revision: 0, contentHash: hash) }) {
                current += 1
            }
        }
        report("verified (\(current) current)", count, since: started)

        started = ContinuousClock.now
        var modules = 0
        for payload in payloads { modules += QRMatrix(payload, level: .q)?.size ?? 0 }
        report("QR-encoded (libqrencode, ECC Q)", count, since: started)

        started = ContinuousClock.now
        var bytes = 0
        for index in 0..<count {
            bytes += try renderer.html(content: contents[index], payload: payloads[index], claims: claims[index]).utf8.count
        }
        report("rendered to HTML (\(bytes / count) bytes a page, QR included)", count, since: started)
    }

    private func report(_ stage: String, _ count: Int, since start: ContinuousClock.Instant) {
        let seconds = BenchSupport.seconds(ContinuousClock.now - start)
        print(String(format: "%@: %d cards in %.3f s, %.0f cards/s", stage, count, seconds, Double(count) / seconds))
    }
}
