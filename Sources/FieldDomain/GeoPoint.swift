import SyncModel

/// A GPS fix as a visit records it: `{"lat": …, "lon": …, "accuracy": …}` (degrees WGS-84, accuracy in
/// metres, optional).
///
/// Besides the global ranges, a point must lie in the rectangle around China (latitude 3–54, longitude
/// 73–136): a fix outside it is a device error (or the 0,0 of a missing fix), not a visit.
public struct GeoPoint: Sendable, Hashable {
    /// Latitude in degrees.
    public var latitude: Double
    /// Longitude in degrees.
    public var longitude: Double
    /// Horizontal accuracy in metres, if the device reported one.
    public var accuracy: Double?

    /// Makes a point (unchecked; see `validate`).
    public init(latitude: Double, longitude: Double, accuracy: Double? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.accuracy = accuracy
    }

    /// The plausible latitudes for China.
    public static let chinaLatitudes: ClosedRange<Double> = 3...54
    /// The plausible longitudes for China.
    public static let chinaLongitudes: ClosedRange<Double> = 73...136
    /// The largest accuracy accepted, in metres.
    public static let maxAccuracy: Double = 10_000

    /// The first problem with this point; `nil` when it is valid.
    public func validate() -> FieldViolation? {
        guard latitude.isFinite, longitude.isFinite, (-90...90).contains(latitude), (-180...180).contains(longitude)
        else {
            return FieldViolation(
                code: .invalidGPS, field: nil,
                message: "GPS坐标超出范围 (latitude must be within ±90 and longitude within ±180)")
        }
        guard GeoPoint.chinaLatitudes.contains(latitude), GeoPoint.chinaLongitudes.contains(longitude) else {
            return FieldViolation(
                code: .invalidGPS, field: nil,
                message: "GPS坐标不在中国境内 (coordinates are not within China)")
        }
        if let accuracy, !(accuracy.isFinite && (0...GeoPoint.maxAccuracy).contains(accuracy)) {
            return FieldViolation(
                code: .outOfRange, field: nil,
                message: "GPS精度应在0到10000米之间 (accuracy must be 0–10000 metres)")
        }
        return nil
    }

    /// Reads and validates the JSON form; the error says what was wrong.
    public static func parse(_ value: JSONValue) -> Result<GeoPoint, FieldViolation> {
        let shape = FieldViolation(
            code: .invalidType, field: nil,
            message: "GPS应为包含lat、lon数值及可选accuracy的对象 (gps must be an object with numeric lat, lon and optional accuracy)")
        guard let object = value.objectValue,
            Set(object.keys).isSubset(of: ["lat", "lon", "accuracy"]),
            let latitude = object["lat"]?.doubleValue, let longitude = object["lon"]?.doubleValue
        else { return .failure(shape) }
        var accuracy: Double?
        switch object["accuracy"] {
        case .none, .some(.null): accuracy = nil
        case .some(let raw):
            guard let number = raw.doubleValue else { return .failure(shape) }
            accuracy = number
        }
        let point = GeoPoint(latitude: latitude, longitude: longitude, accuracy: accuracy)
        if let violation = point.validate() { return .failure(violation) }
        return .success(point)
    }

    /// The JSON form.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["lat": .double(latitude), "lon": .double(longitude)]
        if let accuracy { object["accuracy"] = .double(accuracy) }
        return .object(object)
    }
}
