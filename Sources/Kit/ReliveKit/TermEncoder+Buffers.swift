extension TermEncoder {
    /// The entries of a keyed container being filled.
    ///
    /// Finished values go straight into `entries`; nested containers and
    /// super-encoders are still open when they are handed out, so they wait in
    /// `deferred` until `finish()`.
    final class MapBuffer {
        var entries: [Term: Term] = [:]
        var deferred: [Term: Deferred] = [:]

        /// Stores a finished value; it replaces anything stored under `key` before.
        @inline(__always)
        func set(_ key: Term, _ value: Term) {
            entries[key] = value
            if !deferred.isEmpty { deferred[key] = nil }
        }

        /// Stores a value that is still being encoded.
        func setDeferred(_ key: Term, _ value: Deferred) {
            deferred[key] = value
        }

        func finish() -> Term {
            if deferred.isEmpty { return .map(TermMap(entries)) }
            var result = entries
            for (key, value) in deferred { result[key] = value.finish() }
            return .map(TermMap(result))
        }
    }

    /// The elements of an unkeyed container being filled; open nested
    /// containers hold a placeholder until `finish()`.
    final class ListBuffer {
        var elements: [Term] = []
        var deferred: [(index: Int, value: Deferred)] = []

        @inline(__always)
        func append(_ value: Term) { elements.append(value) }

        func appendDeferred(_ value: Deferred) {
            deferred.append((elements.count, value))
            elements.append(.emptyList)
        }

        func finish() -> Term {
            if deferred.isEmpty { return .list(elements) }
            var result = elements
            for (index, value) in deferred { result[index] = value.finish() }
            return .list(result)
        }
    }

    /// A value whose container was handed out and may still be written to.
    enum Deferred {
        case map(MapBuffer)
        case list(ListBuffer)
        case encoder(Encoding)

        func finish() -> Term {
            switch self {
            case .map(let buffer): buffer.finish()
            case .list(let buffer): buffer.finish()
            // A super-encoder nobody wrote to is an empty map, as with Swift's own coders.
            case .encoder(let encoder): encoder.finish() ?? .map(TermMap())
            }
        }
    }
}
