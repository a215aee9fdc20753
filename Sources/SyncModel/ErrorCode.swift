/// A stable, machine-readable error code, as sent in `{code, message}` bodies and in rejected mutation
/// outcomes. Codes never change meaning once published; `protocol/README.md` lists them all.
public struct ErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

// Request-level codes (HTTP status in brackets).
extension ErrorCode {
    /// The body is not JSON, or not the expected shape [400].
    public static let malformedJSON = ErrorCode("malformed_json")
    /// A query parameter or header has a bad value [400].
    public static let invalidRequest = ErrorCode("invalid_request")
    /// The pull cursor was not issued by this server [400].
    public static let invalidCursor = ErrorCode("invalid_cursor")
    /// The server cannot serve this cursor (another database, or older than the compaction horizon): the
    /// device re-bootstraps, keeping its outbox [410].
    public static let resyncRequired = ErrorCode("resync_required")
    /// The body is larger than the server accepts [413].
    public static let bodyTooLarge = ErrorCode("body_too_large")
    /// No bearer token was sent [401].
    public static let tokenMissing = ErrorCode("token_missing")
    /// The token is unknown, forged or revoked [401].
    public static let tokenInvalid = ErrorCode("token_invalid")
    /// The token's lifetime has passed [401].
    public static let tokenExpired = ErrorCode("token_expired")
    /// The device was revoked (a lost phone): it must wipe its local data; its unsent writes are gone [401].
    public static let deviceRevoked = ErrorCode("device_revoked")
    /// The enrolment code is unknown or not a code [400].
    public static let enrolmentCodeInvalid = ErrorCode("enrolment_code_invalid")
    /// The enrolment code's lifetime has passed: ask the admin for a new one [400].
    public static let enrolmentCodeExpired = ErrorCode("enrolment_code_expired")
    /// The enrolment code was used already: a code enrols one device [409].
    public static let enrolmentCodeUsed = ErrorCode("enrolment_code_used")
    /// The public key is not a raw 32-byte Ed25519 key in base64url [400].
    public static let invalidPublicKey = ErrorCode("invalid_public_key")
    /// A refresh request's proof of the device key is missing, stale or does not verify [401].
    public static let proofInvalid = ErrorCode("proof_invalid")
    /// The token belongs to another device than the one named in the request [403].
    public static let deviceMismatch = ErrorCode("device_mismatch")
    /// The caller may not use this endpoint [403].
    public static let forbidden = ErrorCode("forbidden")
    /// The protocol version header is missing or outside the supported range [426].
    public static let protocolUnsupported = ErrorCode("protocol_unsupported")
    /// No such resource [404].
    public static let notFound = ErrorCode("not_found")
    /// The path exists but not with this method; the `Allow` header lists the methods it has [405].
    public static let methodNotAllowed = ErrorCode("method_not_allowed")
    /// Too many refused attempts at the credential routes (`/sync/enrol`, `/sync/token`) from this client
    /// address; retry after the `Retry-After` delay [429].
    public static let rateLimited = ErrorCode("rate_limited")
    /// The server is overloaded; retry after the `Retry-After` delay [503].
    public static let overloaded = ErrorCode("overloaded")
    /// Something failed inside the server; details are in its log, never in the response [500].
    public static let internalError = ErrorCode("internal_error")
}

// Mutation-level codes (inside a push response; the push itself answers 200).
extension ErrorCode {
    /// The mutation entry is not an object of the documented shape.
    public static let malformedMutation = ErrorCode("malformed_mutation")
    /// The collection is not one this protocol version knows.
    public static let unknownCollection = ErrorCode("unknown_collection")
    /// The operation is not allowed on this collection (e.g. `set` on a visit, which is append-only).
    public static let operationNotAllowed = ErrorCode("operation_not_allowed")
    /// Visits are evidence: they are never edited in place; send an amendment instead.
    public static let visitImmutable = ErrorCode("visit_immutable")
    /// The device registered a key at enrolment, and a visit it sent carries no `signature` (field
    /// `signature`).
    public static let signatureRequired = ErrorCode("signature_required")
    /// A visit's signature is malformed or does not verify: the fields differ from what was signed (field
    /// `signature`).
    public static let signatureInvalid = ErrorCode("signature_invalid")
    /// A visit's signature names a key that is not the pushing device's (field `signature`).
    public static let signatureKeyMismatch = ErrorCode("signature_key_mismatch")
    /// The record id is empty, too long, or has characters outside `[A-Za-z0-9._:-]`.
    public static let invalidRecordId = ErrorCode("invalid_record_id")
    /// The record does not exist (and this operation does not create it).
    public static let recordNotFound = ErrorCode("record_not_found")
    /// A record with this id exists already.
    public static let recordExists = ErrorCode("record_exists")
    /// The record was deleted; edits of deleted records are not resurrected.
    public static let recordDeleted = ErrorCode("record_deleted")
    /// The record is outside the device's scope (e.g. a household not assigned to its helper).
    public static let outOfScope = ErrorCode("out_of_scope")
    /// The household left the device's scope (it was reassigned) before this write was made: the write is
    /// kept for admins (quarantined) and shown on the device, never applied and never dropped.
    public static let scopeRevoked = ErrorCode("scope_revoked")
    /// The field does not exist on this collection, or may not be written by a device.
    public static let readOnlyField = ErrorCode("read_only_field")
    /// The field's JSON type is wrong.
    public static let invalidType = ErrorCode("invalid_type")
    /// A required field is missing or null.
    public static let requiredField = ErrorCode("required_field")
    /// The value is not one of the allowed codes.
    public static let invalidEnum = ErrorCode("invalid_enum")
    /// A number is outside its allowed range.
    public static let outOfRange = ErrorCode("out_of_range")
    /// A string or list is longer than allowed.
    public static let tooLong = ErrorCode("too_long")
    /// An 18-digit resident ID number fails its format, birth date or GB 11643 MOD 11-2 checksum.
    public static let invalidIdNumber = ErrorCode("invalid_id_number")
    /// A personal field (ID or phone number) carries a mask such as `3201**********123X`, as phones
    /// receive it: a device sends a full value or none, never the mask back (field: the field).
    public static let maskedValue = ErrorCode("masked_value")
    /// A region code is not a 6-digit county or 12-digit village code.
    public static let invalidRegionCode = ErrorCode("invalid_region_code")
    /// A date or time is not ISO 8601 or not plausible.
    public static let invalidDate = ErrorCode("invalid_date")
    /// GPS coordinates are out of range.
    public static let invalidGPS = ErrorCode("invalid_gps")
    /// A phone number is not an 11-digit mainland mobile or a landline.
    public static let invalidPhone = ErrorCode("invalid_phone")
    /// A photo reference is not a lowercase hex SHA-256 digest.
    public static let invalidPhotoRef = ErrorCode("invalid_photo_ref")
    /// `monitoringCategory` must be set exactly when `status` is `monitored`.
    public static let monitoringCategoryMismatch = ErrorCode("monitoring_category_mismatch")
    /// The HLC stamp is missing or malformed.
    public static let invalidStamp = ErrorCode("invalid_stamp")
    /// The record's field count or size exceeds the limits.
    public static let recordTooLarge = ErrorCode("record_too_large")
    /// No conflict with this id.
    public static let conflictNotFound = ErrorCode("conflict_not_found")
    /// The conflict is not open for review (already resolved, or an informational soft conflict).
    public static let conflictNotOpen = ErrorCode("conflict_not_open")
    /// A conflict resolution is malformed: unknown choice, missing reason, value missing or unexpected.
    public static let invalidResolution = ErrorCode("invalid_resolution")
    /// The 明白卡 asked for no longer prints what the records hold: issue a new one (protocol/cards.md §5).
    public static let cardOutdated = ErrorCode("card_outdated")
    /// The 明白卡 was revoked: it cannot be printed.
    public static let cardRevoked = ErrorCode("card_revoked")
    /// The server holds no card signing key (`bangfu-admin keys cards init`), or cannot read it.
    public static let cardKeysUnavailable = ErrorCode("card_keys_unavailable")
}
