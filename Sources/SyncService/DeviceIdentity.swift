import FieldDomain

/// An authenticated device and whom it acts for.
package struct DeviceIdentity: Sendable, Hashable {
    package var deviceId: String
    package var principal: Principal
    /// The raw Ed25519 key registered at enrolment; nil for a device enrolled before keys.
    package var publicKey: [UInt8]?
    package init(deviceId: String, principal: Principal, publicKey: [UInt8]? = nil) {
        self.deviceId = deviceId
        self.principal = principal
        self.publicKey = publicKey
    }
    package init(deviceId: String, helperId: String) {
        self.init(deviceId: deviceId, principal: .helper(helperId))
    }
    /// The helper (or admin account) id the device belongs to.
    package var helperId: String { principal.id }
}

/// The answer to an enrolment: the token is shown once and never stored.
package struct Enrollment: Sendable, Hashable, Codable {
    package var deviceId: String
    package var helperId: String
    package var token: String
    /// Milliseconds since 1970.
    package var expiresAt: Int64
}
