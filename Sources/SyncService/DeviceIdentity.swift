/// An authenticated device and the helper it belongs to.
package struct DeviceIdentity: Sendable, Hashable {
    package var deviceId: String
    package var helperId: String
    package init(deviceId: String, helperId: String) {
        self.deviceId = deviceId
        self.helperId = helperId
    }
}

/// The answer to an enrolment: the token is shown once and never stored.
package struct Enrollment: Sendable, Hashable, Codable {
    package var deviceId: String
    package var helperId: String
    package var token: String
    /// Milliseconds since 1970.
    package var expiresAt: Int64
}
