import Foundation
import Glibc
import Logging
import SyncModel

/// What the benchmarks share: durations in seconds, a quiet logger, percentiles and the process's memory.
enum BenchSupport {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        return logger
    }

    /// The `fraction` percentile of `values` (nearest rank).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[min(sorted.count - 1, rank)]
    }

    /// Resident memory of this process in MiB (`VmRSS` of /proc/self/status).
    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kib / 1024
    }

    /// Returns freed heap to the system (glibc's `malloc_trim`, looked up at run time because the Glibc
    /// module does not import it), so that a later resident-memory reading measures what is live.
    static func releaseFreeMemory() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// The milliseconds since 1970 now.
    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A push body of `count` household visits to `household` from `deviceId`, numbered after `seq`.
    static func visitPush(deviceId: String, household: String, after seq: Int64, count: Int,
                          uuid: () -> String) -> [UInt8] {
        let now = nowMillis()
        let mutations: [JSONValue] = (1...count).map { offset in
            ["seq": .int(seq + Int64(offset)), "collection": "visits", "recordId": .string(uuid()),
             "op": "create",
             "fields": ["kind": "household", "householdId": .string(household),
                        "visitedAt": "2026-11-20T09:30:00+08:00", "notes": "负载测试走访记录",
                        "checks": ["incomeVerified": true, "satisfaction": "satisfied"]],
             "stamp": .string(HLCTimestamp(physical: now, logical: UInt32(offset), node: deviceId).wireValue)]
        }
        return JSONWriter.bytes(["deviceId": .string(deviceId), "mutations": .array(mutations)])
    }
}
