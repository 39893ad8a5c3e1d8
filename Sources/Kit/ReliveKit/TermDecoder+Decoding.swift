extension TermDecoder {
    /// The `Decoder` that `init(from:)` implementations see: one per value
    /// that is not read directly (structs, enums, classes, collections).
    ///
    /// Primitives (and `Term`, `[UInt8]`, `[String: V]`…) are read on the
    /// spot without a `Decoding` of their own.
    final class Decoding: Decoder {
        /// The term this decoder reads.
        let term: Term
        let path: TermCodingPath
        let userInfoStorage: [CodingUserInfoKey: any Sendable]

        init(term: Term, path: TermCodingPath, userInfo: [CodingUserInfoKey: any Sendable]) {
            self.term = term
            self.path = path
            self.userInfoStorage = userInfo
        }

        var codingPath: [any CodingKey] { path.keys }
        var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .map(let map) = term else {
                throw TermCodingError.typeMismatch([String: Any].self, expected: "a map", found: term, at: path)
            }
            return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, map: map, path: path))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            switch term {
            case .list(let elements), .tuple(let elements):
                return UnkeyedContainer(decoder: self, elements: elements, path: path)
            default:
                throw TermCodingError.typeMismatch([Any].self, expected: "a list", found: term, at: path)
            }
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            SingleValueContainer(decoder: self)
        }

        /// A decoder for a value inside this one.
        func child(_ term: Term, at path: TermCodingPath) -> Decoding {
            Decoding(term: term, path: path, userInfo: userInfoStorage)
        }

        // MARK: Values

        /// Decodes `term` as a `T`.
        ///
        /// - Parameter path: where the term sits; evaluated only for errors and
        ///   for values that need a decoder of their own.
        /// - Parameter reuse: a decoder already reading `term` at `path` (a
        ///   single-value container's own), used instead of a new one.
        func unbox<T: Decodable>(
            _ term: Term, as type: T.Type, path: @autoclosure () -> TermCodingPath, reuse: Decoding? = nil
        ) throws -> T {
            // The common primitives arrive here through generic wrappers
            // (`Array`, `Optional`); reading them directly saves a decoder each.
            let id = ObjectIdentifier(T.self)
            if id == ObjectIdentifier(Int.self), let v = try int(term, as: Int.self, path: path()) as? T { return v }
            if id == ObjectIdentifier(String.self), let v = try string(term, path: path()) as? T { return v }
            if id == ObjectIdentifier(Double.self), let v = try double(term, path: path()) as? T { return v }
            if id == ObjectIdentifier(Bool.self), let v = try bool(term, path: path()) as? T { return v }
            if id == ObjectIdentifier(Term.self), let v = term as? T { return v }
            if id == ObjectIdentifier(Atom.self), let v = try atom(term, path: path()) as? T { return v }
            if id == TermCodingTypes.bytes, case .binary(let bytes) = term, let v = bytes as? T { return v }
            if let direct = T.self as? any TermDirectDecodable.Type,
               let v = try direct.decode(term, decoder: self, path: path()) as? T {
                return v
            }
            return try T(from: reuse ?? child(term, at: path()))
        }

        /// Reports whether `term` is the atom `undefined`, which stands for nil.
        @inline(__always)
        func isNil(_ term: Term) -> Bool {
            if case .atom(let atom) = term { return atom == Atom.undefined }
            return false
        }

        func bool(_ term: Term, path: @autoclosure () -> TermCodingPath) throws -> Bool {
            if case .atom(let atom) = term {
                if atom == Atom.true { return true }
                if atom == Atom.false { return false }
            }
            throw TermCodingError.typeMismatch(
                Bool.self, expected: "the atom true or false", found: term, at: path())
        }

        func string(_ term: Term, path: @autoclosure () -> TermCodingPath) throws -> String {
            guard case .string(let s) = term else {
                throw TermCodingError.typeMismatch(String.self, expected: "a string", found: term, at: path())
            }
            return s
        }

        func atom(_ term: Term, path: @autoclosure () -> TermCodingPath) throws -> Atom {
            guard case .atom(let a) = term else {
                throw TermCodingError.typeMismatch(Atom.self, expected: "an atom", found: term, at: path())
            }
            return a
        }

        /// An integer of any width.
        ///
        /// - Throws: `typeMismatch` for a term that is not an integer (floats
        ///   included, as Erlang's `is_integer(1.0)` is false); `dataCorrupted`
        ///   when the value does not fit in `I`.
        func int<I: FixedWidthInteger>(_ term: Term, as type: I.Type, path: @autoclosure () -> TermCodingPath) throws -> I {
            guard case .int(let i) = term else {
                throw TermCodingError.typeMismatch(I.self, expected: "an integer", found: term, at: path())
            }
            guard let value = I(exactly: i) else {
                let path = path()
                throw TermCodingError.dataCorrupted(
                    "the integer \(i) at \(path) does not fit in \(I.self) (\(I.min)...\(I.max))", at: path)
            }
            return value
        }

        /// A `Double` from a float, or from an integer (rounded to the nearest double).
        func double(_ term: Term, path: @autoclosure () -> TermCodingPath) throws -> Double {
            switch term {
            case .float(let d): return d
            case .int(let i): return Double(i)
            default:
                throw TermCodingError.typeMismatch(Double.self, expected: "a number", found: term, at: path())
            }
        }

        /// A `Float` from a float or an integer.
        ///
        /// - Throws: `dataCorrupted` when a finite value is too large for `Float`.
        func float(_ term: Term, path: @autoclosure () -> TermCodingPath) throws -> Float {
            let d: Double
            switch term {
            case .float(let v): d = v
            case .int(let i): d = Double(i)
            default:
                throw TermCodingError.typeMismatch(Float.self, expected: "a number", found: term, at: path())
            }
            let f = Float(d)
            if f.isInfinite && d.isFinite {
                let path = path()
                throw TermCodingError.dataCorrupted("the number \(term) at \(path) does not fit in Float", at: path)
            }
            return f
        }
    }
}
