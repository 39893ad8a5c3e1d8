/// Where a value sits inside the value being encoded or decoded by
/// ``TermEncoder`` / ``TermDecoder``: a parent-linked path, so that descending
/// into a field costs nothing until an error (or `codingPath`) needs the keys.
///
/// It renders as people write paths: `state.items[2].name`, and `the top level`
/// for the root.
indirect enum TermCodingPath: Sendable, CustomStringConvertible {
    case root
    case key(String, intValue: Int?, parent: TermCodingPath)
    case index(Int, parent: TermCodingPath)

    /// The path one key further down.
    @inline(__always)
    func appending(_ key: some CodingKey) -> TermCodingPath {
        .key(key.stringValue, intValue: key.intValue, parent: self)
    }

    /// The path to element `index` of an unkeyed container at this path.
    @inline(__always)
    func appending(index: Int) -> TermCodingPath {
        .index(index, parent: self)
    }

    /// The keys from the root down, as `Encoder.codingPath` reports them.
    var keys: [any CodingKey] {
        var reversed: [any CodingKey] = []
        var node = self
        while true {
            switch node {
            case .root:
                return reversed.reversed()
            case .key(let name, let intValue, let parent):
                reversed.append(TermCodingKey(stringValue: name, intValue: intValue))
                node = parent
            case .index(let i, let parent):
                reversed.append(TermCodingKey(index: i))
                node = parent
            }
        }
    }

    /// `state.items[2].name`, or `the top level` for the root.
    var description: String {
        var parts: [String] = []
        var node = self
        loop: while true {
            switch node {
            case .root:
                break loop
            case .key(let name, _, let parent):
                parts.append(name)
                node = parent
            case .index(let i, let parent):
                parts.append("[\(i)]")
                node = parent
            }
        }
        if parts.isEmpty { return "the top level" }
        var out = ""
        for part in parts.reversed() {
            if !out.isEmpty && !part.hasPrefix("[") { out += "." }
            out += part
        }
        return out
    }
}
