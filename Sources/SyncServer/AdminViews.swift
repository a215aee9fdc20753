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

    struct EnrolmentCodeView: Encodable {
        var code: String
        var qrPayload: String
        var helperId: String
        var expiresAt: String

        init(_ issued: IssuedEnrolmentCode) {
            code = issued.code
            qrPayload = issued.qrPayload
            helperId = issued.helperId
            expiresAt = time(issued.expiresAt)
        }
    }

    struct RevokedDevice: Encodable {
        var deviceId: String
        var helperId: String
        var revoked: Bool
        var revokedAt: String?

        init(_ device: DeviceRecord) {
            deviceId = device.deviceId
            helperId = device.helperId
            revoked = device.revoked
            revokedAt = device.revokedAt.map(time)
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
        var id: Int64?
        var resolved: Bool
        var deviceId: String
        var seq: Int64?
        var code: ErrorCode
        var field: String?
        var message: String
        var at: String
        var mutation: JSONValue

        init(_ rejection: RejectedMutation) {
            id = rejection.id
            resolved = rejection.resolved
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

    struct ConflictSide: Encodable {
        var deviceId: String
        var seq: Int64?
        var value: JSONValue
        var stamp: String?
        var version: Int64?

        init(_ write: Conflict.Write) {
            deviceId = write.deviceId
            seq = write.seq
            value = write.value
            stamp = write.stamp?.wireValue
            version = write.version
        }
    }

    struct ConflictResolution: Encodable {
        var choice: String
        var value: JSONValue
        var reason: String
        var resolvedBy: String?
        var resolvedAt: String
        var version: Int64
    }

    /// One conflict (protocol/conflicts.md). `current` only on show.
    struct ConflictView: Encodable {
        var id: String
        var kind: String
        var status: String
        var collection: String
        var recordId: String
        var field: String?
        var fields: [String]
        var householdId: String?
        var villageCode: String?
        var baseVersion: Int64
        var existing: ConflictSide
        var incoming: ConflictSide
        var provisional: String?
        var openedAt: String
        var openedVersion: Int64
        var current: JSONValue?
        var resolution: ConflictResolution?
        /// Other conflicts of the same edit that a side choice settled with it.
        var alsoResolved: [String]?

        init(_ conflict: Conflict, current: JSONValue? = nil, showCurrent: Bool = false) {
            id = conflict.id
            kind = conflict.kind.rawValue
            status = conflict.status.rawValue
            collection = conflict.collection.rawValue
            recordId = conflict.recordId
            field = conflict.field
            fields = conflict.fields
            householdId = conflict.householdId
            villageCode = conflict.villageCode
            baseVersion = conflict.baseVersion
            existing = ConflictSide(conflict.existing)
            incoming = ConflictSide(conflict.incoming)
            provisional = conflict.provisional?.rawValue
            openedAt = time(conflict.openedAt)
            openedVersion = conflict.openedVersion
            // Spelled out: a bare `nil` here would become JSONValue's own null literal and be sent as `null`.
            self.current = showCurrent ? Optional.some(current ?? .null) : Optional<JSONValue>.none
            resolution = conflict.resolution.map { resolution in
                ConflictResolution(choice: resolution.choice.rawValue, value: resolution.value, reason: resolution.reason,
                                   resolvedBy: resolution.resolvedBy, resolvedAt: time(resolution.resolvedAt),
                                   version: resolution.version)
            }
        }
    }

    struct ConflictsPage: Encodable {
        var conflicts: [ConflictView]
    }

    struct DeletedRecord: Encodable {
        var collection: String
        var recordId: String
        var version: Int64
        var deleted: Bool
    }

    /// An admin account as the API shows it; `token` only in the answer that created it.
    struct AdminView: Encodable {
        var id: String
        var name: String
        var role: String
        var roleName: String
        var region: String
        var disabled: Bool
        var createdAt: String
        var token: String?

        init(_ account: AdminAccount, token: String? = nil) {
            id = account.id
            name = account.name
            role = account.role.rawValue
            roleName = account.role.displayName
            region = account.region
            disabled = account.disabled
            createdAt = AdminViews.time(account.createdAt)
            self.token = token
        }
    }

    struct AdminsPage: Encodable {
        var admins: [AdminView]
    }

    /// What an assignment wrote: the pairing and its version, and the one it ended.
    struct AssignmentView: Encodable {
        var assignmentId: String
        var householdId: String
        var helperId: String
        var version: Int64
        var ended: String?
        var endedVersion: Int64?

        init(_ result: SyncService.Reassignment) {
            assignmentId = result.assignment.id
            householdId = result.assignment.fields["householdId"]?.stringValue ?? ""
            helperId = result.assignment.fields["helperId"]?.stringValue ?? ""
            version = result.assignment.version
            ended = result.ended?.id
            endedVersion = result.ended?.version
        }
    }

    /// A device label is shown to admins: bounded like every stored free-text string. The service checks it
    /// too (`bangfu-admin enroll` does not come through here).
    static func checkLabel(_ label: String?) throws {
        try InputLimits.checkLabel(label)
    }
}
