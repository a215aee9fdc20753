import Foundation
import MingbaiCard
import SyncClient
import SyncModel
import Synchronization

/// The 明白卡 part of a run (`SimulationConfig.cardRate` > 0), after every device converged:
/// 1. a timed burst: every device asks for cards of its first `cardBurst` households at once;
/// 2. every device fetches the trust list, and checks up to three of its carded households' newest cards
///    offline (on the phone, from its own records) and online: both must agree (a phone that lacks a
///    co-helper's profile knows only the household part of the hash and may say *genuine* where the server
///    says current), and a card is current or outdated, never anything else;
/// 3. the server's reprint list (projected incrementally from the log) must be exactly the carded households
///    whose newest card the server, composing afresh, finds outdated;
/// 4. a helper edits a printed field of a household with a current card: the phone says *outdated* at once
///    (the edit is pending; co-helped or not), the server after the sync, and the household joins the
///    reprint list.
extension Simulation {
    func checkCards(_ devices: [VirtualDevice], script: DeviceScript, report: inout SimulationReport) async throws {
        var failures: [String] = []
        let burstCount = Mutex(0)
        let began = ContinuousClock.now
        try await forEach(devices) { device in
            let households = try await device.client.households().map(\.id).sorted().prefix(config.cardBurst)
            for household in households {
                let card = try await device.client.requestCard(household: household)
                script.ledger.withLock { $0.cards[household, default: []].append(card.payload) }
                burstCount.withLock { $0 += 1 }
            }
        }
        let burst = ContinuousClock.now - began
        report.cardBurst = burstCount.withLock { $0 }
        report.cardsIssued += report.cardBurst
        report.cardBurstSeconds = Double(burst.components.seconds) + Double(burst.components.attoseconds) / 1e18

        let carded = script.ledger.withLock { $0.cards }
        var newest: [String: CardMessage] = [:]
        for household in carded.keys.sorted() {
            guard let card = try await server.cards(household: household).first else {
                failures.append("cards: household \(household) was issued cards but the server lists none")
                continue
            }
            newest[household] = card
        }
        let newestCards = newest
        let verdicts = Mutex<[String: Int]>([:])
        let found = Mutex<[String]>([])
        let counted = Mutex((offline: 0, online: 0))
        try await forEach(devices) { device in
            try await device.client.refreshCardTrust()
            // The burst carded the first households; the last ones hold the cards of the days, some outdated.
            let mine = try await device.client.households().map(\.id).filter { newestCards[$0] != nil }.sorted().suffix(3)
            for household in mine {
                let payload = newestCards[household]!.payload
                let online = try await device.client.verifyCardOnline(payload)
                guard let offline = try await device.client.verifyCard(payload) else {
                    found.withLock { $0.append("\(device.deviceId): no trust list kept after fetching it") }
                    continue
                }
                counted.withLock { $0.offline += 1; $0.online += 1 }
                verdicts.withLock { $0[online.verdict, default: 0] += 1 }
                if !["current", "outdated"].contains(online.verdict) {
                    found.withLock { $0.append("cards: \(household)'s newest card verifies online as \(online.verdict)") }
                }
                // A phone without a co-helper's profile compares the household part only: it may say genuine
                // where the server says current, or where only the helpers changed.
                let helpersKnown = try await device.client.cardState(of: household)?.helpersKnown ?? false
                if offline.verdict.name != online.verdict && !(offline.verdict.name == "genuine" && !helpersKnown) {
                    found.withLock {
                        $0.append("\(device.deviceId): card of \(household) is \(offline.verdict.name) offline but \(online.verdict) online")
                    }
                }
            }
        }
        failures += found.withLock { $0 }

        let reprint = try await server.outdatedCardHouseholds()
        report.cardsOnReprintList = reprint.count
        let checker = devices[0].client
        for (household, card) in newest.sorted(by: { $0.key < $1.key }) {
            let fresh = try await checker.verifyCardOnline(card.payload)
            if (fresh.verdict == "outdated") != reprint.contains(household) {
                failures.append("cards: \(household)'s newest card is \(fresh.verdict) but the reprint list "
                                + (reprint.contains(household) ? "holds it" : "lacks it"))
            }
        }
        for household in reprint where newest[household] == nil {
            failures.append("cards: \(household) is on the reprint list without a card")
        }

        // An edit of a printed field: outdated on the phone before it syncs, on the server after.
        var edited = 0
        for device in devices where edited < 5 {
            let households = try await device.client.households().filter { newest[$0.id] != nil && !reprint.contains($0.id) }
            guard let household = households.first, let payload = newest[household.id]?.payload else { continue }
            let wage = household.fields["incomeWage"]?.intValue ?? 0
            try await device.client.updateHousehold(id: household.id, fields: ["incomeWage": .int(wage + 1000)])
            // Outdated at once, even on a phone without a co-helper's profile: the household part changed.
            let before = try await device.client.verifyCard(payload)?.verdict.name
            let expected = "outdated"
            try await device.client.sync()
            let after = try await device.client.verifyCardOnline(payload).verdict
            counted.withLock { $0.offline += 1; $0.online += 1 }
            if before != expected || after != "outdated" {
                failures.append("\(device.deviceId): after an edit of \(household.id) its card is \(before ?? "unchecked") offline, \(after) online")
            }
            if !(try await server.outdatedCardHouseholds()).contains(household.id) {
                failures.append("cards: \(household.id) edited after its card but not on the reprint list")
            }
            edited += 1
        }
        let totals = counted.withLock { $0 }
        report.cardsVerifiedOffline = totals.offline
        report.cardsVerifiedOnline = totals.online
        report.cardVerdicts = verdicts.withLock { $0 }
        report.failures += failures
    }
}
