import Testing
@_spi(Runtime) import ReliveKit

/// `TermEncoder` / `TermDecoder`: the shapes they write and the round trips.
struct TermCodableTests {
    let encoder = TermEncoder()
    let decoder = TermDecoder()

    func roundTrip<T: Codable & Equatable>(_ value: T) throws -> T {
        try decoder.decode(T.self, from: encoder.encode(value))
    }

    static let counter = Counter(count: 3, name: "c", enabled: true, ratio: 0.5)

    @Test func structIsAMapWithAtomKeys() throws {
        let term = try encoder.encode(Self.counter)
        let expected: Term = [.atom("count"): 3, .atom("name"): "c", .atom("enabled"): true, .atom("ratio"): 0.5]
        #expect(term == expected)
        #expect(term.description == "#{count => 3,enabled => true,name => \"c\",ratio => 0.5}")
    }

    @Test func nestedStructsRoundTrip() throws {
        let state = ServerState(
            counter: Self.counter, history: [1, 2, 3], label: "main",
            scores: ["alice": 3, "bob": -1], pending: [.reset, .increment(by: 2)])
        #expect(try roundTrip(state) == state)
        let term = try encoder.encode(state)
        guard case .map(let map) = term, case .map(let counter)? = map[.atom("counter")] else {
            Issue.record("not a map of maps: \(term)")
            return
        }
        #expect(counter[.atom("count")] == 3)
        #expect(map[.atom("history")] == [1, 2, 3])
    }

    @Test func enumsWithAssociatedValuesRoundTrip() throws {
        let commands: [Command] = [
            .increment(by: 5), .reset, .rename("new", quiet: false), .replace(Self.counter),
            .maybe(nil), .maybe(7),
        ]
        #expect(try roundTrip(commands) == commands)
        #expect(try encoder.encode(Command.increment(by: 5)).description == "#{increment => #{by => 5}}")
        #expect(try encoder.encode(Command.reset).description == "#{reset => #{}}")
        #expect(try encoder.encode(Command.rename("n", quiet: true)).description
                == "#{rename => #{'_0' => \"n\",quiet => true}}")
    }

    @Test func decodingAnEnumWithTwoCasesAtOnceThrows() {
        let term: Term = [.atom("reset"): [:], .atom("increment"): [.atom("by"): 1]]
        #expect(throws: DecodingError.self) { try decoder.decode(Command.self, from: term) }
    }

    @Test func optionals() throws {
        let unlabeled = ServerState(counter: Self.counter, history: [], label: nil, scores: [:], pending: [])
        let term = try encoder.encode(unlabeled)
        guard case .map(let map) = term else {
            Issue.record("not a map: \(term)")
            return
        }
        #expect(map[.atom("label")] == nil)                       // nil fields are left out
        #expect(try roundTrip(unlabeled) == unlabeled)

        let withNils: [Int?] = [1, nil, 3]
        #expect(try encoder.encode(withNils) == [1, .atom("undefined"), 3])
        #expect(try roundTrip(withNils) == withNils)
        #expect(try decoder.decode(Int?.self, from: .undefined) == nil)
        #expect(try decoder.decode(Int?.self, from: 4) == 4)

        // A field set to `undefined` reads as nil, as a missing one does.
        var labelled = try encoder.encode(unlabeled)
        if case .map(var m) = labelled { m[.atom("label")] = .undefined; labelled = .map(m) }
        #expect(try decoder.decode(ServerState.self, from: labelled).label == nil)
    }

    @Test func arraysAreLists() throws {
        let nested: [[String]] = [["a"], [], ["b", "c"]]
        #expect(try encoder.encode(nested) == [["a"], [], ["b", "c"]])
        #expect(try roundTrip(nested) == nested)
        #expect(try roundTrip([Double]()) == [])
        #expect(try roundTrip([true, false]) == [true, false])
    }

    @Test func tuplesDecodeAsUnkeyedContainers() throws {
        #expect(try decoder.decode([Int].self, from: .tuple([1, 2])) == [1, 2])
    }

    @Test func dictionariesKeepTheirKeysKind() throws {
        let scores = ["alice": 3, "bob": 5]
        #expect(try encoder.encode(scores) == ["alice": 3, "bob": 5])   // string keys, not atoms
        #expect(try roundTrip(scores) == scores)

        let byId = [1: "one", -2: "minus two"]
        #expect(try encoder.encode(byId) == [1: "one", -2: "minus two"])
        #expect(try roundTrip(byId) == byId)

        let byByte: [UInt8: Bool] = [0: false, 255: true]
        #expect(try roundTrip(byByte) == byByte)

        let byTerm: [Term: Int] = [.tuple(.atom("k"), 1): 1, .binary([0]): 2]
        #expect(try encoder.encode(byTerm) == [.tuple(.atom("k"), 1): 1, .binary([0]): 2])
        #expect(try roundTrip(byTerm) == byTerm)
        #expect(try decoder.decode([Int: String].self, from: [.atom("7"): "seven"]) == [7: "seven"])

        let nested = ["outer": ["inner": [1.5]]]
        #expect(try roundTrip(nested) == nested)
        #expect(try roundTrip([String: Int]()) == [:])
    }

    @Test func stringKeyedDictionariesAlsoReadAtomKeys() throws {
        let term: Term = [.atom("alice"): 3]
        #expect(try decoder.decode([String: Int].self, from: term) == ["alice": 3])
    }

    @Test func integersOfEveryWidthRoundTrip() throws {
        let extremes = Widths(
            i8: .min, i16: .min, i32: .min, i64: .min,
            u: UInt(Int.max), u8: .max, u16: .max, u32: .max, u64: UInt64(Int64.max), f: .greatestFiniteMagnitude)
        #expect(try roundTrip(extremes) == extremes)
        #expect(try roundTrip([Int128(Int64.min), Int128(Int64.max)]) == [Int128(Int64.min), Int128(Int64.max)])
        #expect(try roundTrip(UInt128(5)) == 5)
    }

    @Test func boolsAreAtoms() throws {
        #expect(try encoder.encode(true) == .atom("true"))
        #expect(try decoder.decode(Bool.self, from: .atom("false")) == false)
    }

    @Test func floatingTypesAlsoReadIntegers() throws {
        #expect(try decoder.decode(Double.self, from: 3) == 3.0)
        #expect(try decoder.decode(Float.self, from: -2) == -2.0)
        #expect(try decoder.decode(Wrapper<Double>.self, from: [.atom("state"): 7]).state == 7.0)
        #expect(try encoder.encode(Float(0.25)) == .float(0.25))
    }

    @Test func bytesAreBinaries() throws {
        let bytes: [UInt8] = [0, 1, 255]
        #expect(try encoder.encode(bytes) == .binary(bytes))
        #expect(try roundTrip(bytes) == bytes)
        #expect(try decoder.decode([UInt8].self, from: [1, 2]) == [1, 2])    // a list of bytes reads too
        #expect(try roundTrip(Optional(bytes)) == bytes)
    }

    @Test func termsPassThroughUnchanged() throws {
        let pid = Fixtures.pid(12)
        let reply: Term = .tuple(.atom("reply"), .pid(pid), .ref(Fixtures.ref(3)), [.float(1.5): .binary([9])])
        let wrapped = Wrapper(state: reply)
        let term = try encoder.encode(wrapped)
        #expect(term == [.atom("state"): reply])
        #expect(try roundTrip(wrapped) == wrapped)
        #expect(try encoder.encode(reply) == reply)
        #expect(try decoder.decode(Term.self, from: reply) == reply)
    }

    @Test func erlangValuesInsideStructs() throws {
        let session = Session(
            owner: Fixtures.pid(5), tag: Fixtures.ref(9), status: Atom("running"),
            reply: .tuple(.atom("ok"), 1), payload: Array("hi".utf8), peers: [Atom("b@host"): 2])
        let term = try encoder.encode(session)
        guard case .map(let map) = term else {
            Issue.record("not a map: \(term)")
            return
        }
        #expect(map[.atom("owner")] == .pid(Fixtures.pid(5)))
        #expect(map[.atom("tag")] == .ref(Fixtures.ref(9)))
        #expect(map[.atom("status")] == .atom("running"))
        #expect(map[.atom("payload")] == .binary([104, 105]))
        #expect(map[.atom("peers")] == [.atom("b@host"): 2])
        #expect(try roundTrip(session) == session)
    }

    @Test func kitTypesRefuseOtherCoders() throws {
        #expect(throws: EncodingError.self) { try Term.ok.encode(to: OtherEncoder()) }
        #expect(throws: EncodingError.self) { try Fixtures.pid(1).encode(to: OtherEncoder()) }
        #expect(throws: EncodingError.self) { try Fixtures.ref(1).encode(to: OtherEncoder()) }
        #expect(throws: DecodingError.self) { try Term(from: OtherDecoder()) }
        #expect(throws: DecodingError.self) { try Pid(from: OtherDecoder()) }
    }

    @Test func superEncoderNestsTheSuperclassUnderSuper() throws {
        let value = Derived(id: 4, extra: "x")
        let term = try encoder.encode(value)
        #expect(term.description == "#{extra => \"x\",super => #{id => 4}}")
        #expect(try decoder.decode(Derived.self, from: term) == value)
    }

    @Test func aClassAndItsSuperclassShareOneMap() throws {
        let value = Flattened(id: 4, extra: "x")
        let term = try encoder.encode(value)
        #expect(term.description == "#{extra => \"x\",id => 4}")
        #expect(try decoder.decode(Flattened.self, from: term) == value)
    }

    @Test func handWrittenNestedContainers() throws {
        let value = Manual(points: [(1, 2), (3, 4)], words: ["a", "b"])
        let term = try encoder.encode(value)
        #expect(term.description == "#{points => [#{x => 1,y => 2},#{x => 3,y => 4}],words => [[\"a\"],[\"b\"]]}")
        #expect(try decoder.decode(Manual.self, from: term) == value)
    }

    @Test func extraKeysAreIgnored() throws {
        var term = try encoder.encode(Self.counter)
        if case .map(var map) = term {
            map[.atom("added_in_v2")] = 1
            map["text key"] = 2
            term = .map(map)
        }
        #expect(try decoder.decode(Counter.self, from: term) == Self.counter)
    }

    @Test func fieldsAlsoReadFromStringKeys() throws {
        let term: Term = ["count": 1, "name": "n", "enabled": false, "ratio": 2]
        #expect(try decoder.decode(Counter.self, from: term)
                == Counter(count: 1, name: "n", enabled: false, ratio: 2.0))
    }

    @Test func userInfoReachesEncodeAndDecode() throws {
        let key = try #require(CodingUserInfoKey(rawValue: "version"))
        let seen = try TermEncoder(userInfo: [key: 2]).encode(UserInfoProbe())
        #expect(seen == .int(2))
        #expect(try TermDecoder(userInfo: [key: 3]).decode(UserInfoProbe.self, from: .undefined).version == 3)
    }

    @Test func codingPathIsVisibleToCustomCode() throws {
        let term = try encoder.encode(Wrapper(state: [PathProbe(), PathProbe()]))
        #expect(term == [.atom("state"): ["state.Index 0", "state.Index 1"]])
    }
}

/// Reports `userInfo["version"]` as what it encodes, and remembers it when decoded.
struct UserInfoProbe: Codable {
    var version: Int?
    init() {}
    init(from decoder: any Decoder) throws {
        version = decoder.userInfo[CodingUserInfoKey(rawValue: "version")!] as? Int
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(encoder.userInfo[CodingUserInfoKey(rawValue: "version")!] as? Int)
    }
}

/// Encodes its own coding path, joined with dots.
struct PathProbe: Codable, Equatable {
    init() {}
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(encoder.codingPath.map(\.stringValue).joined(separator: "."))
    }
}
