import FieldDomain
import Foundation
import Synchronization
import SyncClient
import SyncModel

/// What a virtual helper does in a day: visits and household edits offline, syncs at random moments.
final class DeviceScript: Sendable {
    let config: SimulationConfig
    /// What was written, for the convergence check.
    let ledger = Mutex(SimulationLedger())
    /// Counters and the latency histogram.
    let stats: Mutex<SimulationReport>

    init(config: SimulationConfig, report: SimulationReport) {
        self.config = config
        self.stats = Mutex(report)
    }

    static let problems = ["老人慢性病用药开支较大", "孩子上学交通不便", "住房屋顶漏雨", "缺少稳定务工收入", "饮水水压不足"]
    static let measures = ["协助办理慢性病门诊报销", "推荐参加公益性岗位", "联系危房改造项目", "对接县内企业用工",
                           "申请产业奖补"]

    func liveDay(_ device: VirtualDevice, dayStart: Int64) async throws {
        let random = device.random
        device.setClock(dayStart + 8 * 3_600_000 + Int64(random.int(in: 0...120)) * 60_000)
        let offline = random.unit() < (config.scenario == .contention ? 0.5 : 0.25)
        for _ in 0..<random.int(in: 2...6) {
            device.advanceClock(minutes: random.int(in: 10...60))
            try await write(device)
            if config.cardRate > 0 && random.unit() < config.cardRate { try await requestCard(device) }
            if !offline && random.unit() < 0.35 { try await sync(device, required: false) }
        }
        if !offline && random.unit() < 0.7 { try await sync(device, required: false) }
    }

    /// A helper asks for a 明白卡 of one of its households (from the app, over the day's bad network: a lost
    /// request or answer is counted, not retried; a duplicated one issues two cards, both kept on record).
    func requestCard(_ device: VirtualDevice) async throws {
        let households = try await device.client.households()
        guard !households.isEmpty else { return }
        let household = households[device.random.int(in: 0...(households.count - 1))].id
        do {
            let card = try await device.client.requestCard(household: household)
            ledger.withLock { $0.cards[household, default: []].append(card.payload) }
            stats.withLock { $0.cardsIssued += 1 }
        } catch is SyncTransportError {
            stats.withLock { $0.cardRequestsFailed += 1 }
        }
    }

    /// One sync, timed. During the days a sync may give up after its retries (the network is bad); the
    /// final rounds must succeed.
    func sync(_ device: VirtualDevice, required: Bool) async throws {
        let started = ContinuousClock.now
        do {
            try await device.client.sync()
            let elapsed = ContinuousClock.now - started
            let micros = UInt64(max(0, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000))
            stats.withLock { stats in
                stats.syncs += 1
                _ = stats.latency.record(micros)
            }
        } catch let error as SyncError where !required && error.kind == .retriesExhausted {
            stats.withLock { $0.failedSyncs += 1 }
        }
    }

    private func write(_ device: VirtualDevice) async throws {
        let random = device.random
        let households = try await device.client.households()
        guard let household = households.isEmpty ? nil : households[random.int(in: 0...(households.count - 1))] else {
            return
        }
        let roll = random.unit()
        if config.scenario == .contention {
            if roll < 0.25 {
                try await householdVisit(device, household: household)
            } else {
                try await contend(device, household: household)
            }
            ledger.withLock { $0.writes[device.deviceId, default: 0] += 1 }
            stats.withLock { $0.mutations += 1 }
            return
        }
        if roll < config.invalidWriteRate {
            try await invalidMember(device, household: household)
        } else if roll < 0.55 {
            try await householdVisit(device, household: household)
        } else if roll < 0.60, let village = household.fields["villageCode"]?.stringValue {
            try await villageVisit(device, village: village)
        } else if roll < 0.65 {
            try await addMember(device, household: household)
        } else {
            try await editHousehold(device, household: household)
        }
        ledger.withLock { $0.writes[device.deviceId, default: 0] += 1 }
        stats.withLock { $0.mutations += 1 }
    }

    private func visitedAt(_ device: VirtualDevice) -> String {
        ISOTimestamp.format(milliseconds: device.now, offsetMinutes: 480)
    }

    private func householdVisit(_ device: VirtualDevice, household: LocalRecord) async throws {
        let random = device.random
        let draft = VisitDraft(
            kind: "household", householdId: household.id, visitedAt: visitedAt(device),
            gps: .init(latitude: 25.0 + random.unit() * 0.5, longitude: 105.2 + random.unit() * 0.5,
                       accuracy: Double(random.int(in: 3...30))),
            notes: "入户走访：核实家庭收入和两不愁三保障情况。",
            problems: [Self.problems[random.int(in: 0...(Self.problems.count - 1))]],
            measures: [Self.measures[random.int(in: 0...(Self.measures.count - 1))]],
            checks: ["policyDelivered": .bool(random.unit() < 0.9), "incomeVerified": .bool(random.unit() < 0.8),
                     "guaranteesVerified": true, "satisfaction": random.unit() < 0.85 ? "satisfied" : "basicallySatisfied"],
            photos: [random.bytes(32).map { String(format: "%02x", $0) }.joined()])
        let id = try await device.client.recordVisit(draft)
        ledger.withLock { $0.visits[device.deviceId, default: [:]][id] = draft.fields }
    }

    private func villageVisit(_ device: VirtualDevice, village: String) async throws {
        let draft = VisitDraft(kind: "village", villageCode: village, visitedAt: visitedAt(device),
                               notes: "入村走访：了解村集体产业和饮水工程进展。", measures: ["督促饮水工程维护"])
        let id = try await device.client.recordVisit(draft)
        ledger.withLock { $0.visits[device.deviceId, default: [:]][id] = draft.fields }
    }

    private func memberFields(_ device: VirtualDevice, household: LocalRecord, validID: Bool) -> [String: JSONValue] {
        let random = device.random
        let county = String((household.fields["villageCode"]?.stringValue ?? "522327001001").prefix(6))
        var id = IDNumber.make(regionCode6: county, birth: (random.int(in: 2019...2024), random.int(in: 1...12),
                                                             random.int(in: 1...28)),
                               sequence: random.int(in: 0...999))
        if !validID {
            let last = id.removeLast()
            id.append(last == "0" ? "1" : "0")
        }
        return ["householdId": .string(household.id), "name": .string("新生儿\(random.int(in: 1...99))"), "relation": "grandchild",
                "idNumber": .string(id), "health": "healthy", "labour": "none", "schooling": "preschool"]
    }

    private func addMember(_ device: VirtualDevice, household: LocalRecord) async throws {
        let fields = memberFields(device, household: household, validID: true)
        let id = try await device.client.addMember(householdId: household.id, fields: fields)
        ledger.withLock { $0.members[device.deviceId, default: [:]][id] = fields }
    }

    private func invalidMember(_ device: VirtualDevice, household: LocalRecord) async throws {
        let fields = memberFields(device, household: household, validID: false)
        let id = try await device.client.addMember(householdId: household.id, fields: fields)
        ledger.withLock { _ = $0.invalid[device.deviceId, default: []].insert(id) }
    }

    /// Contention: the fields co-helpers disagree about, from small pools so that concurrent writes are
    /// sometimes equal. Reviewed fields (incomes, causes) open hard conflicts; the others merge.
    private func contend(_ device: VirtualDevice, household: LocalRecord) async throws {
        let random = device.random
        let fields: [String: JSONValue]
        switch random.int(in: 0...6) {
        case 0: fields = ["incomeWage": .int(Int64([12_000, 15_000, 18_000][random.int(in: 0...2)]))]
        case 6:
            // Two reviewed fields in one edit: an admin choosing a side settles both conflicts together.
            fields = ["incomeWage": .int(Int64([12_000, 15_000][random.int(in: 0...1)])),
                      "productionCost": .int(Int64([1_000, 3_000][random.int(in: 0...1)]))]
        case 1: fields = ["incomeBusiness": .int(Int64([0, 2_000, 5_000][random.int(in: 0...2)]))]
        case 2: fields = ["causes": [["illness"], ["illness", "lackSkills"], ["disability"]][random.int(in: 0...2)]]
        case 3: fields = ["phone": .string(["13800000001", "13800000002", "13900000003"][random.int(in: 0...2)])]
        case 4: fields = ["drinkingWaterSecure": .bool(random.unit() < 0.5), "housingSecure": .bool(random.unit() < 0.5)]
        default: fields = ["policies.industrySubsidy": .object(["amount": .int(Int64(random.int(in: 1...3) * 500))])]
        }
        try await device.client.updateHousehold(id: household.id, fields: fields)
        guard let local = try await device.client.record(collection: .households, id: household.id) else { return }
        ledger.withLock { ledger in
            for (field, value) in fields {
                if let stamp = local.stamps[field] {
                    ledger.recordHouseholdWrite(household.id, field: field, value: value, stamp: stamp)
                }
            }
        }
    }

    private func editHousehold(_ device: VirtualDevice, household: LocalRecord) async throws {
        let random = device.random
        let fields: [String: JSONValue]
        switch random.int(in: 0...4) {
        case 0: fields = ["incomeWage": .int(Int64(random.int(in: 3...40) * 1000))]
        case 1: fields = ["incomeBusiness": .int(Int64(random.int(in: 0...20) * 500)), "productionCost": .int(Int64(random.int(in: 0...5) * 300))]
        case 2: fields = ["drinkingWaterSecure": .bool(random.unit() < 0.9), "housingSecure": .bool(random.unit() < 0.9)]
        case 3: fields = ["phone": .string("13\(random.int(in: 0...9))\(String(format: "%08d", random.int(in: 0...99_999_999)))")]
        default: fields = ["policies.industrySubsidy": .object(["amount": .int(Int64(random.int(in: 1...6) * 500))])]
        }
        try await device.client.updateHousehold(id: household.id, fields: fields)
        guard let local = try await device.client.record(collection: .households, id: household.id) else { return }
        ledger.withLock { ledger in
            for (field, value) in fields {
                if let stamp = local.stamps[field] {
                    ledger.recordHouseholdWrite(household.id, field: field, value: value, stamp: stamp)
                }
            }
        }
    }
}
