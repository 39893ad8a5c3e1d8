extension TermEncoder {
    /// Writes the elements of an array (or any unkeyed container) into a list.
    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let encoder: Encoding
        let buffer: ListBuffer
        let path: TermCodingPath

        var codingPath: [any CodingKey] { path.keys }
        var count: Int { buffer.elements.count }

        /// The path of the element about to be appended.
        private var next: TermCodingPath { path.appending(index: buffer.elements.count) }

        mutating func encodeNil() throws { buffer.append(Term.undefined) }
        mutating func encode(_ value: Bool) throws { buffer.append(encoder.bool(value)) }
        mutating func encode(_ value: String) throws { buffer.append(.string(value)) }
        mutating func encode(_ value: Double) throws { buffer.append(try encoder.float(value, path: next)) }
        mutating func encode(_ value: Float) throws { buffer.append(try encoder.float(Double(value), path: next)) }
        mutating func encode(_ value: Int) throws { buffer.append(.int(value)) }
        mutating func encode(_ value: Int8) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: Int16) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: Int32) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: Int64) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt8) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt16) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt32) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt64) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: Int128) throws { buffer.append(try encoder.int(value, path: next)) }
        mutating func encode(_ value: UInt128) throws { buffer.append(try encoder.int(value, path: next)) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            buffer.append(try encoder.box(value, path: next))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type
        ) -> KeyedEncodingContainer<NestedKey> {
            let nested = MapBuffer()
            let path = next
            buffer.appendDeferred(.map(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(encoder: encoder, buffer: nested, path: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ListBuffer()
            let path = next
            buffer.appendDeferred(.list(nested))
            return UnkeyedContainer(encoder: encoder, buffer: nested, path: path)
        }

        mutating func superEncoder() -> any Encoder {
            let child = encoder.child(at: next)
            buffer.appendDeferred(.encoder(child))
            return child
        }
    }
}
