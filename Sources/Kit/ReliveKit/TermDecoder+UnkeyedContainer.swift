extension TermDecoder {
    /// Reads the elements of a list (or a tuple) in order.
    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let decoder: Decoding
        let elements: [Term]
        let path: TermCodingPath
        private(set) var currentIndex = 0

        init(decoder: Decoding, elements: [Term], path: TermCodingPath) {
            self.decoder = decoder
            self.elements = elements
            self.path = path
        }

        var codingPath: [any CodingKey] { path.keys }
        var count: Int? { elements.count }
        var isAtEnd: Bool { currentIndex >= elements.count }

        /// The path of the current element.
        private var here: TermCodingPath { path.appending(index: currentIndex) }

        /// The current element, without moving past it.
        ///
        /// - Throws: `DecodingError.valueNotFound` past the end.
        private func peek(_ type: Any.Type) throws -> Term {
            guard currentIndex < elements.count else {
                throw TermCodingError.valueNotFound(type, index: currentIndex, count: elements.count, at: path)
            }
            return elements[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard decoder.isNil(try peek(Optional<Any>.self)) else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool {
            let value = try decoder.bool(peek(type), path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: String.Type) throws -> String {
            let value = try decoder.string(peek(type), path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Double.Type) throws -> Double {
            let value = try decoder.double(peek(type), path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Float.Type) throws -> Float {
            let value = try decoder.float(peek(type), path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int.Type) throws -> Int {
            let value = try decoder.int(peek(type), as: Int.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int8.Type) throws -> Int8 {
            let value = try decoder.int(peek(type), as: Int8.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int16.Type) throws -> Int16 {
            let value = try decoder.int(peek(type), as: Int16.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int32.Type) throws -> Int32 {
            let value = try decoder.int(peek(type), as: Int32.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int64.Type) throws -> Int64 {
            let value = try decoder.int(peek(type), as: Int64.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt.Type) throws -> UInt {
            let value = try decoder.int(peek(type), as: UInt.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
            let value = try decoder.int(peek(type), as: UInt8.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
            let value = try decoder.int(peek(type), as: UInt16.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
            let value = try decoder.int(peek(type), as: UInt32.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
            let value = try decoder.int(peek(type), as: UInt64.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: Int128.Type) throws -> Int128 {
            let value = try decoder.int(peek(type), as: Int128.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode(_ type: UInt128.Type) throws -> UInt128 {
            let value = try decoder.int(peek(type), as: UInt128.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let value = try decoder.unbox(peek(type), as: T.self, path: here)
            currentIndex += 1
            return value
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy type: NestedKey.Type
        ) throws -> KeyedDecodingContainer<NestedKey> {
            let container = try decoder.child(peek(KeyedDecodingContainer<NestedKey>.self), at: here)
                .container(keyedBy: NestedKey.self)
            currentIndex += 1
            return container
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let container = try decoder.child(peek((any UnkeyedDecodingContainer).self), at: here)
                .unkeyedContainer()
            currentIndex += 1
            return container
        }

        mutating func superDecoder() throws -> any Decoder {
            let child = decoder.child(try peek((any Decoder).self), at: here)
            currentIndex += 1
            return child
        }
    }
}
