extension TermEncoder {
    /// Writes a struct's (or enum case's, or class's) fields into a map with atom keys.
    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: Encoding
        let buffer: MapBuffer
        let path: TermCodingPath

        var codingPath: [any CodingKey] { path.keys }

        @inline(__always)
        private func atom(_ key: Key) throws -> Term {
            try encoder.atomKey(key, in: path)
        }

        mutating func encodeNil(forKey key: Key) throws {
            buffer.set(try atom(key), Term.undefined)
        }

        mutating func encode(_ value: Bool, forKey key: Key) throws {
            buffer.set(try atom(key), encoder.bool(value))
        }

        mutating func encode(_ value: String, forKey key: Key) throws {
            buffer.set(try atom(key), .string(value))
        }

        mutating func encode(_ value: Double, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.float(value, path: path.appending(key)))
        }

        mutating func encode(_ value: Float, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.float(Double(value), path: path.appending(key)))
        }

        mutating func encode(_ value: Int, forKey key: Key) throws {
            buffer.set(try atom(key), .int(value))
        }

        mutating func encode(_ value: Int8, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: Int16, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: Int32, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: Int64, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt8, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt16, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt32, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: Int128, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode(_ value: UInt128, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.int(value, path: path.appending(key)))
        }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            buffer.set(try atom(key), try encoder.box(value, path: path.appending(key)))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            let nested = MapBuffer()
            store(.map(nested), forKey: key)
            return KeyedEncodingContainer(
                KeyedContainer<NestedKey>(encoder: encoder, buffer: nested, path: path.appending(key)))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ListBuffer()
            store(.list(nested), forKey: key)
            return UnkeyedContainer(encoder: encoder, buffer: nested, path: path.appending(key))
        }

        mutating func superEncoder() -> any Encoder {
            superEncoder(key: TermCodingKey.super)
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            superEncoder(key: key)
        }

        private func superEncoder(key: some CodingKey) -> any Encoder {
            let child = encoder.child(at: path.appending(key))
            store(.encoder(child), forKey: key)
            return child
        }

        /// Links in a value that is still open. These `Encoder` methods cannot
        /// throw, so a key that is no atom is recorded and thrown by
        /// `TermEncoder.encode` when the value is done.
        private func store(_ value: Deferred, forKey key: some CodingKey) {
            do {
                buffer.setDeferred(try encoder.atomKey(key, in: path), value)
            } catch let error as EncodingError {
                encoder.record(error)
            } catch {
                encoder.record(TermCodingError.invalidValue(key.stringValue, "\(error)", at: path.appending(key)))
            }
        }
    }
}
