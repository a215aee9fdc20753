import Foundation
import SyncEngine
import SyncModel
import SyncService
import SyncStore

/// The admin API's response bodies (protocol/openapi.yaml): times as RFC 3339 strings.
enum AdminViews {
    static func time(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(.iso8601)
    }

    struct EnrollResponse: Encodable {
        var deviceId: String
        var helperId: String
        var token: String
        var expiresAt: String

        init(_ enrollment: Enrollment) {
            deviceId = enrollment.deviceId
            helperId = enrollment.helperId
            token = enrollment.token
            expiresAt = time(enrollment.expiresAt)
        }
    }

    struct HelpersPage: Encodable {
        var helpers: [HelperSummary]
        var total: Int
    }

    struct DeviceStatus: Encodable {
        var deviceId: String
        var helperId: String
        var label: String?
        var lastSyncAt: String?
        var lastAppliedSeq: Int64
        var cursorVersion: Int64
        var lag: Int64
        var rejectedOpen: Int
        var clientVersion: String?
        var clockSkewFlagged: Bool

        init(_ state: DeviceSyncState) {
            deviceId = state.deviceId
            helperId = state.helperId
            label = state.label
            lastSyncAt = state.lastSyncAt.map(time)
            lastAppliedSeq = state.lastAppliedSeq
            cursorVersion = state.cursorVersion
            lag = state.lag
            rejectedOpen = state.rejectedOpen
            clientVersion = state.clientVersion
            clockSkewFlagged = state.clockSkewFlagged
        }
    }

    struct DevicesPage: Encodable {
        var head: Int64
        var devices: [DeviceStatus]
    }

    struct Rejection: Encodable {
        var deviceId: String
        var seq: Int64?
        var code: ErrorCode
        var field: String?
        var message: String
        var at: String
        var mutation: JSONValue

        init(_ rejection: RejectedMutation) {
            deviceId = rejection.deviceId
            seq = rejection.seq
            code = rejection.code
            field = rejection.field
            message = rejection.message
            at = time(rejection.at)
            mutation = rejection.mutation
        }
    }

    struct RejectionsPage: Encodable {
        var rejections: [Rejection]
    }
}
