import Foundation
import SyncModel

/// The type and limits of a field's value, and how a non-null value is checked.
public enum FieldKind: Sendable, Hashable {
    /// A string of `min`…`max` characters (grapheme clusters, so one Chinese character counts one).
    case text(min: Int, max: Int)
    /// `true` or `false`.
    case boolean
    /// Yuan: a number from 0 to 10,000,000 with at most two decimals.
    case money
    /// One of a closed set of codes.
    case code([String])
    /// A list of `minItems`…`maxItems` distinct codes from a closed set (order matters: the first is main).
    case codeList([String], minItems: Int, maxItems: Int)
    /// A resident ID number (GB 11643).
    case idNumber
    /// A region code of one level (see `RegionCode`).
    case region(RegionLevel)
    /// A region code of any level.
    case anyRegion
    /// A household number: its 12-digit village code followed by 4 digits.
    case householdNo
    /// The id of another record (`[A-Za-z0-9._:-]{1,64}`).
    case recordRef
    /// A phone number (see `PhoneNumber`).
    case phone
    /// An ISO 8601 timestamp with an offset (see `ISOTimestamp`).
    case timestamp
    /// A GPS fix object (see `GeoPoint`).
    case gps
    /// A list of at most `maxItems` strings of at most `maxLength` characters each.
    case textList(maxItems: Int, maxLength: Int)
    /// A list of at most `maxItems` photo references (see `PhotoRef`).
    case photoList(maxItems: Int)
    /// A visit's checks object: `policyDelivered`, `incomeVerified`, `guaranteesVerified` (Booleans) and
    /// `satisfaction` (a `VisitSatisfaction` code), all optional.
    case visitChecks
    /// A policy element `{"amount": yuan, "note": ≤ 100 characters (optional)}`.
    case policyGrant
    /// An extension field this version does not know: any JSON value up to 4 KiB encoded.
    case extensionValue
    /// A device's signature object `{alg, keyId, value}` (protocol/signatures.md); the engine verifies it.
    case deviceSignature

    /// The largest money amount accepted, in yuan.
    public static let maxMoney: Double = 10_000_000
    /// The largest encoded size of an extension field's value, in bytes.
    public static let maxExtensionBytes = 4096

    /// A short description of the type and limits, for documentation.
    public var summary: String {
        switch self {
        case .text(let min, let max): return min > 0 ? "string \(min)–\(max) chars" : "string ≤ \(max) chars"
        case .boolean: return "boolean"
        case .money: return "number 0–10,000,000, ≤ 2 decimals (yuan)"
        case .code: return "code"
        case .codeList(_, let minItems, let maxItems): return "array of \(minItems)–\(maxItems) distinct codes"
        case .idNumber: return "ID number (18 chars, GB 11643)"
        case .region(let level): return "\(level.codeLength)-digit \(level.rawValue) code"
        case .anyRegion: return "region code (2/4/6/9/12 digits)"
        case .householdNo: return "16 digits: village code + 4"
        case .recordRef: return "record id"
        case .phone: return "phone"
        case .timestamp: return "ISO 8601 with offset"
        case .gps: return "object {lat, lon, accuracy?}"
        case .textList(let maxItems, let maxLength): return "array ≤ \(maxItems) strings ≤ \(maxLength) chars"
        case .photoList(let maxItems): return "array ≤ \(maxItems) sha256 hex"
        case .visitChecks: return "object {policyDelivered, incomeVerified, guaranteesVerified, satisfaction}"
        case .policyGrant: return "object {amount, note?} or null"
        case .extensionValue: return "any JSON ≤ 4 KiB"
        case .deviceSignature: return "object {alg, keyId, value}"
        }
    }

    /// Checks a non-null value; `nil` when it is acceptable. The violation has no field set.
    func check(_ value: JSONValue) -> FieldViolation? {
        switch self {
        case .text(let min, let max):
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return FieldKind.checkLength(string, min: min, max: max)
        case .boolean:
            return value.boolValue == nil ? .wrongType("布尔值", "a boolean") : nil
        case .money:
            return FieldKind.checkMoney(value)
        case .code(let codes):
            guard let string = value.stringValue else { return .wrongType("代码字符串", "a code string") }
            return codes.contains(string) ? nil : .notAnAllowedCode
        case .codeList(let codes, let minItems, let maxItems):
            guard let items = value.arrayValue else { return .wrongType("代码数组", "an array of codes") }
            guard (minItems...maxItems).contains(items.count) else {
                return FieldViolation(
                    code: .tooLong, field: nil,
                    message: "应包含\(minItems)到\(maxItems)项 (must have \(minItems)–\(maxItems) items)")
            }
            var seen = Set<String>()
            for item in items {
                guard let string = item.stringValue else { return .wrongType("代码数组", "an array of codes") }
                guard codes.contains(string) else { return .notAnAllowedCode }
                guard seen.insert(string).inserted else {
                    return FieldViolation(code: .invalidEnum, field: nil, message: "代码不能重复 (codes must be distinct)")
                }
            }
            return nil
        case .idNumber:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return IDNumber.validate(string)
        case .region(let level):
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return RegionCode.level(of: string) == level
                ? nil
                : FieldViolation(
                    code: .invalidRegionCode, field: nil,
                    message: "应为\(level.codeLength)位\(level.displayName)级区划代码 (must be a \(level.codeLength)-digit \(level.rawValue) code)")
        case .anyRegion:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return RegionCode.level(of: string) != nil
                ? nil
                : FieldViolation(code: .invalidRegionCode, field: nil, message: "区划代码无效 (not a valid region code)")
        case .householdNo:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return string.utf8.count == 16 && RegionCode.isVillage(String(string.prefix(12)))
                && string.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                ? nil
                : FieldViolation(
                    code: .invalidRegionCode, field: nil,
                    message: "户编号应为12位村代码加4位序号 (household number must be a village code plus 4 digits)")
        case .recordRef:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return Mutation.isValidRecordId(string)
                ? nil
                : FieldViolation(
                    code: .invalidRecordId, field: nil,
                    message: "记录ID应为1到64个[A-Za-z0-9._:-]字符 (record id must be 1–64 characters of [A-Za-z0-9._:-])")
        case .phone:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return PhoneNumber.validate(string)
        case .timestamp:
            guard let string = value.stringValue else { return .wrongType("字符串", "a string") }
            return ISOTimestamp.validate(string)
        case .gps:
            if case .failure(let violation) = GeoPoint.parse(value) { return violation }
            return nil
        case .textList(let maxItems, let maxLength):
            guard let items = value.arrayValue else { return .wrongType("字符串数组", "an array of strings") }
            guard items.count <= maxItems else { return .tooManyItems(maxItems) }
            for item in items {
                guard let string = item.stringValue else { return .wrongType("字符串数组", "an array of strings") }
                if let violation = FieldKind.checkLength(string, min: 0, max: maxLength) { return violation }
            }
            return nil
        case .photoList(let maxItems):
            guard let items = value.arrayValue else { return .wrongType("字符串数组", "an array of strings") }
            guard items.count <= maxItems else { return .tooManyItems(maxItems) }
            for item in items {
                guard let string = item.stringValue else { return .wrongType("字符串数组", "an array of strings") }
                if let violation = PhotoRef.validate(string) { return violation }
            }
            return nil
        case .visitChecks:
            return FieldKind.checkVisitChecks(value)
        case .policyGrant:
            return FieldKind.checkPolicyGrant(value)
        case .extensionValue:
            return FieldKind.checkExtensionSize(value)
        case .deviceSignature:
            // The shape only, bounded; whether it verifies is the engine's check (it knows the device's key).
            guard let object = value.objectValue, object.count <= 3,
                object.values.allSatisfy({ ($0.stringValue?.utf8.count ?? .max) <= 128 })
            else { return .wrongType("签名对象", "a signature object {alg, keyId, value}") }
            return nil
        }
    }

    private static func checkLength(_ string: String, min: Int, max: Int) -> FieldViolation? {
        let count = string.count
        if count < min {
            return FieldViolation(code: .requiredField, field: nil, message: "不能为空 (must not be empty)")
        }
        if count > max {
            return FieldViolation(code: .tooLong, field: nil, message: "不能超过\(max)个字 (at most \(max) characters)")
        }
        return nil
    }

    private static func checkMoney(_ value: JSONValue) -> FieldViolation? {
        let outOfRange = FieldViolation(
            code: .outOfRange, field: nil,
            message: "金额应在0到10,000,000元之间且最多两位小数 (amount must be 0–10,000,000 yuan with at most 2 decimals)")
        switch value {
        case .int(let yuan):
            return (0...Int64(maxMoney)).contains(yuan) ? nil : outOfRange
        case .double(let yuan):
            guard yuan.isFinite, (0...maxMoney).contains(yuan) else { return outOfRange }
            let cents = yuan * 100
            // Binary doubles cannot hold 0.01 exactly; accept what a 2-decimal literal decodes to.
            return abs(cents - cents.rounded()) < 1e-6 ? nil : outOfRange
        default:
            return .wrongType("数值", "a number")
        }
    }

    private static func checkVisitChecks(_ value: JSONValue) -> FieldViolation? {
        let shape = FieldViolation.wrongType(
            "包含policyDelivered、incomeVerified、guaranteesVerified、satisfaction的对象",
            "an object with policyDelivered, incomeVerified, guaranteesVerified, satisfaction")
        guard let object = value.objectValue else { return shape }
        for (key, member) in object {
            if member.isNull { continue }
            switch key {
            case "policyDelivered", "incomeVerified", "guaranteesVerified":
                if member.boolValue == nil { return shape }
            case "satisfaction":
                guard let code = member.stringValue else { return shape }
                if VisitSatisfaction(rawValue: code) == nil { return .notAnAllowedCode }
            default:
                return shape
            }
        }
        return nil
    }

    private static func checkPolicyGrant(_ value: JSONValue) -> FieldViolation? {
        let shape = FieldViolation.wrongType(
            "包含amount金额及可选note备注的对象", "an object with amount and an optional note")
        guard let object = value.objectValue, Set(object.keys).isSubset(of: ["amount", "note"]) else { return shape }
        guard let amount = object["amount"], !amount.isNull else {
            return FieldViolation(code: .requiredField, field: nil, message: "政策金额必填 (amount is required)")
        }
        if let violation = checkMoney(amount) { return violation }
        switch object["note"] {
        case .none, .some(.null): return nil
        case .some(.string(let note)): return checkLength(note, min: 0, max: 100)
        case .some: return shape
        }
    }

    private static func checkExtensionSize(_ value: JSONValue) -> FieldViolation? {
        // A fresh encoder per call: JSONEncoder is not documented as safe to share across threads.
        guard let data = try? JSONEncoder().encode(value), data.count <= maxExtensionBytes else {
            return FieldViolation(
                code: .tooLong, field: nil,
                message: "扩展字段的值超过4 KiB (extension field value exceeds 4 KiB)")
        }
        return nil
    }
}

extension FieldViolation {
    static func wrongType(_ zh: String, _ en: String) -> FieldViolation {
        FieldViolation(code: .invalidType, field: nil, message: "类型错误，应为\(zh) (must be \(en))")
    }

    static let notAnAllowedCode = FieldViolation(
        code: .invalidEnum, field: nil, message: "取值不在允许的代码中 (not one of the allowed codes)")

    static func tooManyItems(_ max: Int) -> FieldViolation {
        FieldViolation(code: .tooLong, field: nil, message: "最多\(max)项 (at most \(max) items)")
    }
}
