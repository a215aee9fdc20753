import SyncModel

/// What the virtual helpers wrote, kept by the simulator to check the server afterwards: every visit and
/// member created, the newest write of every household field, and the writes meant to be rejected.
struct SimulationLedger: Sendable {
    struct FieldWrite: Sendable {
        var value: JSONValue
        var stamp: HLCTimestamp
    }

    /// Writes made per device (valid and invalid): the device's sequence must reach this.
    var writes: [String: Int] = [:]
    /// 明白卡 payloads issued per household, in the order the devices got them.
    var cards: [String: [String]] = [:]
    /// Visits created per device, with the fields sent.
    var visits: [String: [String: [String: JSONValue]]] = [:]
    /// Members created per device.
    var members: [String: [String: [String: JSONValue]]] = [:]
    /// Record ids of the deliberately invalid writes per device.
    var invalid: [String: Set<String>] = [:]
    /// The newest stamped write of each household field, across all devices.
    var householdFields: [String: [String: FieldWrite]] = [:]

    mutating func recordHouseholdWrite(_ household: String, field: String, value: JSONValue, stamp: HLCTimestamp) {
        if let existing = householdFields[household]?[field], existing.stamp >= stamp { return }
        householdFields[household, default: [:]][field] = FieldWrite(value: value, stamp: stamp)
    }
}
