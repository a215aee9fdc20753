import FieldDomain

/// An authenticated device and whom it acts for.
package struct DeviceIdentity: Sendable, Hashable {
    package var deviceId: String
    package var principal: Principal
    package init(deviceId: String, principal: Principal) {
        self.deviceId = deviceId
        self.principal = principal
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
