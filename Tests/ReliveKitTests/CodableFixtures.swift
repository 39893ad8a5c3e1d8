import ReliveKit

// Codable types the Codable tests encode and decode.

struct Counter: Codable, Equatable {
    var count: Int
    var name: String
    var enabled: Bool
    var ratio: Double
}

struct ServerState: Codable, Equatable {
    var counter: Counter
    var history: [Int]
    var label: String?
    var scores: [String: Int]
    var pending: [Command]
}

enum Command: Codable, Equatable {
    case increment(by: Int)
    case reset
    case rename(String, quiet: Bool)
    case replace(Counter)
    case maybe(Int?)
}

struct Widths: Codable, Equatable {
    var i8: Int8, i16: Int16, i32: Int32, i64: Int64
    var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
    var f: Float
}

/// Holds one value under the key `state`, for paths like `state.count`.
struct Wrapper<T: Codable & Equatable>: Codable, Equatable {
    var state: T
}

class Base: Codable {
    var id: Int
    init(id: Int) { self.id = id }
}

/// Encodes its superclass under `super`, as Swift's guidance for classes says.
final class Derived: Base, Equatable {
    var extra: String
    init(id: Int, extra: String) {
        self.extra = extra
        super.init(id: id)
    }
    private enum CodingKeys: String, CodingKey { case extra }
    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        extra = try container.decode(String.self, forKey: .extra)
        try super.init(from: container.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(extra, forKey: .extra)
        try super.encode(to: container.superEncoder())
    }
    static func == (a: Derived, b: Derived) -> Bool { a.id == b.id && a.extra == b.extra }
}

/// Encodes its superclass into the same encoder: one map with both classes' keys.
final class Flattened: Base, Equatable {
    var extra: String
    init(id: Int, extra: String) {
        self.extra = extra
        super.init(id: id)
    }
    private enum CodingKeys: String, CodingKey { case extra }
    required init(from decoder: any Decoder) throws {
        extra = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .extra)
        try super.init(from: decoder)
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(extra, forKey: .extra)
        try super.encode(to: encoder)
    }
    static func == (a: Flattened, b: Flattened) -> Bool { a.id == b.id && a.extra == b.extra }
}

/// Writes nested containers by hand: a keyed container inside an unkeyed one
/// inside a keyed one, and an unkeyed one inside a keyed one.
struct Manual: Codable, Equatable {
    var points: [(x: Int, y: Int)]
    var words: [String]

    init(points: [(x: Int, y: Int)], words: [String]) {
        self.points = points
        self.words = words
    }

    static func == (a: Manual, b: Manual) -> Bool {
        a.words == b.words && a.points.map(\.x) == b.points.map(\.x) && a.points.map(\.y) == b.points.map(\.y)
    }

    private enum Keys: String, CodingKey { case points, words }
    private enum PointKeys: String, CodingKey { case x, y }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var list = container.nestedUnkeyedContainer(forKey: .points)
        for point in points {
            var p = list.nestedContainer(keyedBy: PointKeys.self)
            try p.encode(point.x, forKey: .x)
            try p.encode(point.y, forKey: .y)
        }
        var words = container.nestedUnkeyedContainer(forKey: .words)
        for word in self.words {
            var inner = words.nestedUnkeyedContainer()
            try inner.encode(word)
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .points)
        var points: [(x: Int, y: Int)] = []
        while !list.isAtEnd {
            let p = try list.nestedContainer(keyedBy: PointKeys.self)
            points.append((try p.decode(Int.self, forKey: .x), try p.decode(Int.self, forKey: .y)))
        }
        var words = try container.nestedUnkeyedContainer(forKey: .words)
        var decoded: [String] = []
        while !words.isAtEnd {
            var inner = try words.nestedUnkeyedContainer()
            decoded.append(try inner.decode(String.self))
        }
        self.points = points
        self.words = decoded
    }
}

/// A process's state as a behaviour would keep it: Erlang values inside.
struct Session: Codable, Equatable {
    var owner: Pid
    var tag: Ref
    var status: Atom
    var reply: Term
    var payload: [UInt8]
    var peers: [Atom: Int]
}

/// An `Encoder` that is not ``TermEncoder``, to show what other encoders get.
/// Its containers are never reached: the kit's types refuse it first.
final class OtherEncoder: Encoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        fatalError("OtherEncoder has no containers")
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("OtherEncoder has no containers") }
    func singleValueContainer() -> any SingleValueEncodingContainer { fatalError("OtherEncoder has no containers") }
}

/// A `Decoder` that is not ``TermDecoder``.
final class OtherDecoder: Decoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "OtherDecoder has no containers"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "OtherDecoder has no containers"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "OtherDecoder has no containers"))
    }
}
