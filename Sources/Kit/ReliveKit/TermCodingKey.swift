/// The coding key the kit's coders make themselves: list indices (`Index 3`,
/// as Swift's own coders name them), `super`, and keys rebuilt from a path.
struct TermCodingKey: CodingKey, Sendable {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }

    init(stringValue: String, intValue: Int?) {
        self.stringValue = stringValue
        self.intValue = intValue
    }

    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
    }

    /// The key `superEncoder()` and `superDecoder()` use, as in Swift's own coders.
    static let `super` = TermCodingKey(stringValue: "super")
}
