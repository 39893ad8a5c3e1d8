/// Durations on the command line: `10s`, `500ms`, `2m`, `1h`, or plain seconds.
enum ToolDuration {
    /// Seconds, or nil for text that is not a duration (negative, too long, malformed).
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)) else { continue }
            return valid(value * scale)
        }
        return Double(text).flatMap(valid)
    }

    private static func valid(_ seconds: Double) -> Double? {
        seconds.isFinite && seconds >= 0 && seconds <= 86_400 ? seconds : nil
    }
}
