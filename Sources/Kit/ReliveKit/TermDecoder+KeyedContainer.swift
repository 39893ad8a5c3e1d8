extension TermDecoder {
    /// Reads a struct's (or enum's, or class's) fields from a map.
    ///
    /// A field is looked up by its atom key first (what ``TermEncoder`` writes),
    /// then by a `.string` key, then by an `.int` key when the coding key has an
    /// integer value; entries the type does not ask for are ignored. Lookups
    /// use ``Atom/existing(_:)``, so decoding never creates atoms.
    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: Decoding
        let map: TermMap
        let path: TermCodingPath

        var codingPath: [any CodingKey] { path.keys }

        var allKeys: [Key] {
            var keys: [Key] = []
            keys.reserveCapacity(map.count)
            for key in map.dictionary.keys {
                switch key {
                case .atom(let atom): if let k = Key(stringValue: atom.name) { keys.append(k) }
                case .string(let text): if let k = Key(stringValue: text) { keys.append(k) }
                case .int(let int): if let k = Key(intValue: int) { keys.append(k) }
                default: continue
                }
            }
            return keys
        }

        /// The value stored under `key`, or nil.
        private func lookup(_ key: Key) -> Term? {
            let name = key.stringValue
            if let atom = Atom.existing(name), let value = map[.atom(atom)] { return value }
            if let value = map[.string(name)] { return value }
            if let int = key.intValue, let value = map[.int(int)] { return value }
            return nil
        }

        /// The value stored under `key`.
        ///
        /// - Throws: `DecodingError.keyNotFound` naming the key and the map.
        private func require(_ key: Key) throws -> Term {
            guard let value = lookup(key) else {
                throw TermCodingError.keyNotFound(key, in: map, at: path)
            }
            return value
        }

        func contains(_ key: Key) -> Bool { lookup(key) != nil }

        func decodeNil(forKey key: Key) throws -> Bool {
            decoder.isNil(try require(key))
        }

        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
            try decoder.bool(require(key), path: path.appending(key))
        }

        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            try decoder.string(require(key), path: path.appending(key))
        }

        func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
            try decoder.double(require(key), path: path.appending(key))
        }

        func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
            try decoder.float(require(key), path: path.appending(key))
        }

        func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
            try decoder.int(require(key), as: Int.self, path: path.appending(key))
        }

        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
            try decoder.int(require(key), as: Int8.self, path: path.appending(key))
        }

        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
            try decoder.int(require(key), as: Int16.self, path: path.appending(key))
        }

        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
            try decoder.int(require(key), as: Int32.self, path: path.appending(key))
        }

        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
            try decoder.int(require(key), as: Int64.self, path: path.appending(key))
        }

        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
            try decoder.int(require(key), as: UInt.self, path: path.appending(key))
        }

        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
            try decoder.int(require(key), as: UInt8.self, path: path.appending(key))
        }

        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
            try decoder.int(require(key), as: UInt16.self, path: path.appending(key))
        }

        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
            try decoder.int(require(key), as: UInt32.self, path: path.appending(key))
        }

        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
            try decoder.int(require(key), as: UInt64.self, path: path.appending(key))
        }

        func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
            try decoder.int(require(key), as: Int128.self, path: path.appending(key))
        }

        func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
            try decoder.int(require(key), as: UInt128.self, path: path.appending(key))
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try decoder.unbox(require(key), as: T.self, path: path.appending(key))
        }

        func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type, forKey key: Key
        ) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder.child(require(key), at: path.appending(key)).container(keyedBy: NestedKey.self)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder.child(require(key), at: path.appending(key)).unkeyedContainer()
        }

        /// The decoder for the key `super`; a missing key reads as `undefined`,
        /// as Swift's own coders read it as null.
        func superDecoder() throws -> any Decoder {
            let name = TermCodingKey.super.stringValue
            let value = Atom.existing(name).flatMap { map[.atom($0)] } ?? Term.undefined
            return decoder.child(value, at: path.appending(TermCodingKey.super))
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            decoder.child(lookup(key) ?? Term.undefined, at: path.appending(key))
        }
    }
}
