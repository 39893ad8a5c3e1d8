import Testing
import PropertyBased
import ReliveKit

/// What `TermEncoder` and `TermDecoder` throw: errors that name the path and
/// what was found, and never a trap on bad input.
struct TermCodableErrorTests {
    let encoder = TermEncoder()
    let decoder = TermDecoder()

    /// The `debugDescription` of the `DecodingError` that `body` throws.
    func decodingMessage(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context),
                 .keyNotFound(_, let context), .dataCorrupted(let context):
                return context.debugDescription
            @unknown default:
                return nil
            }
        } catch {
            return nil
        }
    }

    /// The context of the `EncodingError` that `body` throws.
    func encodingContext(_ body: () throws -> Void) -> EncodingError.Context? {
        do {
            try body()
            return nil
        } catch let error as EncodingError {
            if case .invalidValue(_, let context) = error { return context }
            return nil
        } catch {
            return nil
        }
    }

    static let goodCounter: Term = [.atom("count"): 3, .atom("name"): "c", .atom("enabled"): true, .atom("ratio"): 0.5]

    func replacing(_ key: String, with value: Term, in term: Term = goodCounter) -> Term {
        guard case .map(var map) = term else { return term }
        map[.atom(Atom(key))] = value
        return .map(map)
    }

    @Test func typeMismatchNamesThePathAndWhatWasFound() throws {
        let term: Term = [.atom("state"): replacing("count", with: .atom("foo"))]
        let message = decodingMessage { _ = try decoder.decode(Wrapper<Counter>.self, from: term) }
        #expect(message == "expected an integer at state.count, found the atom foo")
        do {
            _ = try decoder.decode(Wrapper<Counter>.self, from: term)
        } catch DecodingError.typeMismatch(let type, let context) {
            #expect(ObjectIdentifier(type) == ObjectIdentifier(Int.self))
            #expect(context.codingPath.map(\.stringValue) == ["state", "count"])
        }
    }

    @Test func mismatchesInsideListsAndAtTheTop() {
        let term: Term = [.atom("state"): [1, 2, "three"]]
        #expect(decodingMessage { _ = try decoder.decode(Wrapper<[Int]>.self, from: term) }
                == "expected an integer at state[2], found the string \"three\"")
        #expect(decodingMessage { _ = try decoder.decode(Counter.self, from: [1]) }
                == "expected a map at the top level, found the list [1]")
        #expect(decodingMessage { _ = try decoder.decode([Int].self, from: .atom("x")) }
                == "expected a list at the top level, found the atom x")
        #expect(decodingMessage { _ = try decoder.decode(Bool.self, from: .atom("yes")) }
                == "expected the atom true or false at the top level, found the atom yes")
        #expect(decodingMessage { _ = try decoder.decode(String.self, from: .binary([104])) }
                == "expected a string at the top level, found the binary <<\"h\">>")
        #expect(decodingMessage { _ = try decoder.decode(Int.self, from: 1.0) }
                == "expected an integer at the top level, found the float 1.0")
    }

    @Test func longFoundTermsAreCutShort() throws {
        let long = Term.list((0..<1000).map { .int($0) })
        let message = try #require(decodingMessage { _ = try decoder.decode(String.self, from: long) })
        #expect(message.hasPrefix("expected a string at the top level, found the list [0,1,2,"))
        #expect(message.hasSuffix("…"))
        #expect(message.count < 150)
    }

    @Test func missingKeyNamesTheKeyAndThePath() throws {
        guard case .map(var map) = Self.goodCounter else { return }
        map[.atom("name")] = nil
        let message = try #require(decodingMessage {
            _ = try decoder.decode(Wrapper<Counter>.self, from: [.atom("state"): .map(map)])
        })
        #expect(message.hasPrefix("no key name in the map at state, found the map #{"))
        #expect(throws: DecodingError.self) { try decoder.decode(Counter.self, from: .map(map)) }
    }

    @Test func shortListNamesTheMissingIndex() {
        struct Pair: Decodable {
            var a: Int, b: Int
            init(from decoder: any Decoder) throws {
                var c = try decoder.unkeyedContainer()
                a = try c.decode(Int.self)
                b = try c.decode(Int.self)
            }
        }
        #expect(decodingMessage { _ = try decoder.decode(Pair.self, from: [1]) }
                == "expected a value at [1], but the list at the top level has only 1 element")
    }

    @Test(arguments: [
        (Term.int(300), "UInt8"), (.int(-1), "UInt8"), (.int(128), "Int8"), (.int(-129), "Int8"),
        (.int(70_000), "Int16"), (.int(-1), "UInt16"), (.int(1 << 31), "Int32"), (.int(-1), "UInt32"),
        (.int(1 << 32), "UInt32"), (.int(-1), "UInt64"), (.int(-1), "UInt"),
    ])
    func integerOutOfRangeThrowsForEachWidth(value: Term, width: String) throws {
        let term: Term = [.atom("state"): value]
        let message: String?
        switch width {
        case "UInt8": message = decodingMessage { _ = try decoder.decode(Wrapper<UInt8>.self, from: term) }
        case "Int8": message = decodingMessage { _ = try decoder.decode(Wrapper<Int8>.self, from: term) }
        case "Int16": message = decodingMessage { _ = try decoder.decode(Wrapper<Int16>.self, from: term) }
        case "UInt16": message = decodingMessage { _ = try decoder.decode(Wrapper<UInt16>.self, from: term) }
        case "Int32": message = decodingMessage { _ = try decoder.decode(Wrapper<Int32>.self, from: term) }
        case "UInt32": message = decodingMessage { _ = try decoder.decode(Wrapper<UInt32>.self, from: term) }
        case "UInt64": message = decodingMessage { _ = try decoder.decode(Wrapper<UInt64>.self, from: term) }
        default: message = decodingMessage { _ = try decoder.decode(Wrapper<UInt>.self, from: term) }
        }
        let text = try #require(message)
        #expect(text.hasPrefix("the integer \(value) at state does not fit in \(width) ("), "\(text)")
    }

    @Test func integerOutOfRangeInsideArraysAndSingleValues() {
        #expect(throws: DecodingError.self) { try decoder.decode([UInt8].self, from: [1, 256]) }
        #expect(throws: DecodingError.self) { try decoder.decode(Int8.self, from: 200) }
        #expect(throws: DecodingError.self) { try decoder.decode([Int8?].self, from: [.undefined, 200]) }
    }

    @Test func unsignedValuesPastInt64DoNotEncode() throws {
        let context = try #require(encodingContext { _ = try encoder.encode(Wrapper(state: UInt64.max)) })
        #expect(context.debugDescription.hasPrefix("the UInt64 18446744073709551615 at state does not fit in a term"))
        #expect(context.codingPath.map(\.stringValue) == ["state"])
        #expect(try encoder.encode(UInt64(Int64.max)) == .int(Int.max))
        #expect(throws: EncodingError.self) { try encoder.encode([UInt(Int.max) + 1]) }
        #expect(throws: EncodingError.self) { try encoder.encode(Int128(Int64.max) + 1) }
        #expect(throws: EncodingError.self) { try encoder.encode([UInt64.max: 1]) }   // as a key too
    }

    @Test func nonFiniteFloatsDoNotEncode() {
        #expect(throws: EncodingError.self) { try encoder.encode(Double.nan) }
        #expect(throws: EncodingError.self) { try encoder.encode(Wrapper(state: Double.infinity)) }
        #expect(throws: EncodingError.self) { try encoder.encode([Float.infinity]) }
    }

    @Test func floatsTooLargeForFloatDoNotDecode() {
        #expect(decodingMessage { _ = try decoder.decode(Float.self, from: 1e300) }
                == "the number 1.0e300 at the top level does not fit in Float")
    }

    @Test func keysThatCannotBeAtomsThrow() throws {
        struct LongKey: Encodable {
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(1, forKey: Key(stringValue: String(repeating: "k", count: 256)))
            }
        }
        struct LongNestedKey: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: LongKey.Key.self)
                _ = container.nestedUnkeyedContainer(forKey: LongKey.Key(stringValue: String(repeating: "n", count: 300)))
            }
        }
        let context = try #require(encodingContext { _ = try encoder.encode(LongKey()) })
        #expect(context.debugDescription.contains("cannot be an atom"))
        // `nestedUnkeyedContainer` cannot throw; the encoder throws when the value is done.
        #expect(throws: EncodingError.self) { try encoder.encode(LongNestedKey()) }
    }

    @Test func aValueThatEncodesNothingThrowsAtTheTop() throws {
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        #expect(throws: EncodingError.self) { try encoder.encode(Nothing()) }
        #expect(try encoder.encode([Nothing()]) == [[:]])                     // inside, an empty map
    }

    @Test func dictionaryKeysOfTheWrongKindThrow() throws {
        let message = try #require(decodingMessage { _ = try decoder.decode([String: Int].self, from: [1: 2]) })
        #expect(message.hasPrefix("expected a map whose keys are strings at the top level"))
        #expect(message.hasSuffix("found the key the integer 1"))
        #expect(throws: DecodingError.self) { try decoder.decode([Int8: Int].self, from: [300: 1]) }
        // 'a' and "a" would both be the Swift key "a".
        #expect(throws: DecodingError.self) {
            try decoder.decode([String: Int].self, from: [.atom("a"): 1, "a": 2])
        }
    }

    @Test func kitTypesRejectOtherTerms() {
        #expect(throws: DecodingError.self) { try decoder.decode(Pid.self, from: .atom("self")) }
        #expect(throws: DecodingError.self) { try decoder.decode(Ref.self, from: 1) }
        #expect(throws: DecodingError.self) { try decoder.decode(Atom.self, from: "ok") }
    }

    /// Bad input never traps: decoding random terms as a structured type
    /// either succeeds or throws `DecodingError`.
    @Test func randomTermsNeverTrapTheDecoder() async {
        await propertyCheck(count: 3000, input: RandomTerm.generator(depth: 4)) { term in
            for candidate in [term, [.atom("state"): term], [.atom("increment"): [.atom("by"): term]]] {
                do {
                    _ = try decoder.decode(ServerState.self, from: candidate)
                    _ = try decoder.decode(Command.self, from: candidate)
                    _ = try decoder.decode(Wrapper<Widths>.self, from: candidate)
                    _ = try decoder.decode(Wrapper<[String: [UInt8]]>.self, from: candidate)
                } catch is DecodingError {
                    // expected for most random terms
                } catch {
                    Issue.record("unexpected error \(error) for \(candidate)")
                }
            }
        }
    }
}
