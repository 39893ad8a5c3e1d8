extension TermEncoder {
    /// The `Encoder` that `encode(to:)` implementations see: one per value that
    /// is not written directly (structs, enums, classes, collections).
    ///
    /// Containers write into reference buffers held by `storage`; nested
    /// containers and super-encoders are linked in as deferred entries and
    /// resolved once, by `finish()`, when the value is complete. Primitive
    /// values (and `Term`, `[UInt8]`, `[String: V]`…) are turned into terms on
    /// the spot, without an `Encoding` of their own.
    final class Encoding: Encoder {
        /// What every `Encoding` of one `TermEncoder.encode` call shares.
        final class Shared {
            let userInfo: [CodingUserInfoKey: any Sendable]
            /// The first error met where the `Encoder` API cannot throw
            /// (`nestedContainer(keyedBy:forKey:)` with a key that is no atom);
            /// `TermEncoder.encode` throws it when the value is done.
            var error: EncodingError?

            init(userInfo: [CodingUserInfoKey: any Sendable]) { self.userInfo = userInfo }
        }

        /// What this encoder has been given so far.
        enum Storage {
            case empty
            case term(Term)
            case map(MapBuffer)
            case list(ListBuffer)
        }

        let path: TermCodingPath
        let shared: Shared
        var storage: Storage = .empty

        init(path: TermCodingPath, shared: Shared) {
            self.path = path
            self.shared = shared
        }

        convenience init(path: TermCodingPath, userInfo: [CodingUserInfoKey: any Sendable]) {
            self.init(path: path, shared: Shared(userInfo: userInfo))
        }

        var codingPath: [any CodingKey] { path.keys }
        var userInfo: [CodingUserInfoKey: Any] { shared.userInfo }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let buffer: MapBuffer
            // A class and its superclass may both ask for the keyed container
            // of one encoder: they must share one map.
            if case .map(let existing) = storage {
                buffer = existing
            } else {
                buffer = MapBuffer()
                storage = .map(buffer)
            }
            return KeyedEncodingContainer(KeyedContainer(encoder: self, buffer: buffer, path: path))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let buffer: ListBuffer
            if case .list(let existing) = storage {
                buffer = existing
            } else {
                buffer = ListBuffer()
                storage = .list(buffer)
            }
            return UnkeyedContainer(encoder: self, buffer: buffer, path: path)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            SingleValueContainer(encoder: self)
        }

        /// The finished term, or nil when nothing was encoded.
        func finish() -> Term? {
            switch storage {
            case .empty: nil
            case .term(let term): term
            case .map(let buffer): buffer.finish()
            case .list(let buffer): buffer.finish()
            }
        }

        /// A child encoder for the value at `path` (nested values, super-encoders).
        func child(at path: TermCodingPath) -> Encoding {
            Encoding(path: path, shared: shared)
        }

        /// Records an error met where the `Encoder` API cannot throw; the first one wins.
        func record(_ error: EncodingError) {
            if shared.error == nil { shared.error = error }
        }

        // MARK: Values

        /// The term for `value`.
        ///
        /// - Parameter path: where the value sits; only evaluated for errors and
        ///   for values that need an encoder of their own.
        func box<T: Encodable>(_ value: T, path: @autoclosure () -> TermCodingPath) throws -> Term {
            if let term = try fastTerm(value, path: path()) { return term }
            if let direct = value as? any TermDirectEncodable {
                return try direct.term(encoder: self, path: path())
            }
            let child = child(at: path())
            try value.encode(to: child)
            // A value that encoded nothing (an empty custom `encode(to:)`) is an empty map.
            return child.finish() ?? .map(TermMap())
        }

        /// The term for values that need no encoder of their own, or nil.
        ///
        /// Arrays of primitives and generic wrappers (`Optional`, `Array`)
        /// reach primitives through the generic `encode<T>`, so checking the
        /// few common types here saves an encoder per element.
        func fastTerm<T: Encodable>(_ value: T, path: @autoclosure () -> TermCodingPath) throws -> Term? {
            let type = ObjectIdentifier(T.self)
            if type == ObjectIdentifier(Int.self), let v = value as? Int { return .int(v) }
            if type == ObjectIdentifier(String.self), let v = value as? String { return .string(v) }
            if type == ObjectIdentifier(Double.self), let v = value as? Double { return try float(v, path: path()) }
            if type == ObjectIdentifier(Bool.self), let v = value as? Bool { return bool(v) }
            if type == ObjectIdentifier(Term.self), let v = value as? Term { return v }
            if type == ObjectIdentifier(Atom.self), let v = value as? Atom { return .atom(v) }
            if type == ObjectIdentifier(Pid.self), let v = value as? Pid { return .pid(v) }
            if type == ObjectIdentifier(Ref.self), let v = value as? Ref { return .ref(v) }
            if type == TermCodingTypes.bytes, let v = value as? [UInt8] { return .binary(v) }
            return nil
        }

        @inline(__always)
        func bool(_ value: Bool) -> Term {
            .atom(value ? Atom.true : Atom.false)
        }

        /// An integer of any width as `.int`.
        ///
        /// - Throws: `EncodingError.invalidValue` when it does not fit in `Int64`.
        @inline(__always)
        func int<I: BinaryInteger>(_ value: I, path: @autoclosure () -> TermCodingPath) throws -> Term {
            guard let int = Int(exactly: value) else {
                let path = path()
                throw TermCodingError.invalidValue(
                    value,
                    "the \(I.self) \(value) at \(path) does not fit in a term: integers are 64-bit signed (\(Int.min)...\(Int.max))",
                    at: path)
            }
            return .int(int)
        }

        /// A float as `.float`.
        ///
        /// - Throws: `EncodingError.invalidValue` for NaN and infinities, which
        ///   Erlang floats cannot be.
        @inline(__always)
        func float(_ value: Double, path: @autoclosure () -> TermCodingPath) throws -> Term {
            guard value.isFinite else {
                let path = path()
                throw TermCodingError.invalidValue(
                    value, "the float \(value) at \(path) has no term: Erlang floats are finite", at: path)
            }
            return .float(value)
        }

        /// The atom key for `key`.
        ///
        /// - Throws: `EncodingError.invalidValue` when the key's name is longer
        ///   than an atom may be (255 UTF-8 bytes) or the atom table is full.
        func atomKey(_ key: some CodingKey, in path: TermCodingPath) throws -> Term {
            guard let atom = Atom(validating: key.stringValue) else {
                let name = key.stringValue
                let shown = name.utf8.count > 40 ? String(name.prefix(40)) + "…" : name
                throw TermCodingError.invalidValue(
                    name,
                    "the key \"\(shown)\" at \(path) cannot be an atom: atoms are at most 255 UTF-8 bytes (and the atom table is bounded)",
                    at: path.appending(key))
            }
            return .atom(atom)
        }
    }
}
