extension TermDecoder {
    /// Reads the decoder's whole term as one value (`Optional`, raw enums, wrappers).
    struct SingleValueContainer: SingleValueDecodingContainer {
        let decoder: Decoding

        var codingPath: [any CodingKey] { decoder.path.keys }

        func decodeNil() -> Bool { decoder.isNil(decoder.term) }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(decoder.term, path: decoder.path) }
        func decode(_ type: String.Type) throws -> String { try decoder.string(decoder.term, path: decoder.path) }
        func decode(_ type: Double.Type) throws -> Double { try decoder.double(decoder.term, path: decoder.path) }
        func decode(_ type: Float.Type) throws -> Float { try decoder.float(decoder.term, path: decoder.path) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.int(decoder.term, as: Int.self, path: decoder.path) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.int(decoder.term, as: Int8.self, path: decoder.path) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.int(decoder.term, as: Int16.self, path: decoder.path) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.int(decoder.term, as: Int32.self, path: decoder.path) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.int(decoder.term, as: Int64.self, path: decoder.path) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.int(decoder.term, as: UInt.self, path: decoder.path) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.int(decoder.term, as: UInt8.self, path: decoder.path) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.int(decoder.term, as: UInt16.self, path: decoder.path) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.int(decoder.term, as: UInt32.self, path: decoder.path) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.int(decoder.term, as: UInt64.self, path: decoder.path) }
        func decode(_ type: Int128.Type) throws -> Int128 { try decoder.int(decoder.term, as: Int128.self, path: decoder.path) }
        func decode(_ type: UInt128.Type) throws -> UInt128 { try decoder.int(decoder.term, as: UInt128.self, path: decoder.path) }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try decoder.unbox(decoder.term, as: T.self, path: decoder.path, reuse: decoder)
        }
    }
}
