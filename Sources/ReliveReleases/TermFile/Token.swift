import ReliveKit

/// One lexical token of an Erlang term file, with where it starts.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case atom(String)
        case string(String)
        /// An integer's magnitude: the sign is a separate token, and `Int.min`'s
        /// magnitude (2^63) does not fit in `Int`.
        case int(UInt64)
        case float(Double)
        case punct(String)      // { } [ ] ( ) , | # => << >> / - + :
        case dot                // the end of a term: '.' followed by white space, '%' or the end
        case end                // the end of the input
    }

    var kind: Kind
    var position: SourcePosition
}
