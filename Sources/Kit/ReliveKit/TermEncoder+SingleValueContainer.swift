extension TermEncoder {
    /// Writes one value as the whole term of its encoder (`Optional`, raw
    /// enums, wrappers). A second write replaces the first.
    struct SingleValueContainer: SingleValueEncodingContainer {
        let encoder: Encoding

        var codingPath: [any CodingKey] { encoder.path.keys }

        private func set(_ term: Term) { encoder.storage = .term(term) }

        mutating func encodeNil() throws { set(Term.undefined) }
        mutating func encode(_ value: Bool) throws { set(encoder.bool(value)) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(try encoder.float(value, path: encoder.path)) }
        mutating func encode(_ value: Float) throws { set(try encoder.float(Double(value), path: encoder.path)) }
        mutating func encode(_ value: Int) throws { set(.int(value)) }
        mutating func encode(_ value: Int8) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: Int16) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: Int32) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: Int64) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt8) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt16) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt32) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt64) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: Int128) throws { set(try encoder.int(value, path: encoder.path)) }
        mutating func encode(_ value: UInt128) throws { set(try encoder.int(value, path: encoder.path)) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            set(try encoder.box(value, path: encoder.path))
        }
    }
}
