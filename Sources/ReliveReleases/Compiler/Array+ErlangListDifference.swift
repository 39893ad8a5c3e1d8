import ReliveKit

extension Array where Element == Atom {
    /// Erlang's `List -- [X]`: removes the first occurrence only.
    mutating func removeFirst(matching x: Atom) {
        if let i = firstIndex(of: x) { remove(at: i) }
    }
}
