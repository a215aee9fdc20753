import Logging
import Synchronization

/// Collects every log line (level, message and metadata, as text) of the loggers it makes: for tests that
/// check what never reaches a log line (personal data, SQL).
package final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    package init() {}

    /// A logger at `trace` whose lines land here.
    package func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Everything logged so far.
    package var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let all = metadata.merging(explicit ?? [:]) { _, new in new }
            capture.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        }
    }
}
