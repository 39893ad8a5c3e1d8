import ReliveKit
import Testing
@testable import ReliveReleases

@Suite struct TermFileWriterTests {
    static let release: Term =
        .tuple([.atom("release"), .string("rel"), .list((1...40).map { .tuple([.atom("app\($0)"), .string("\($0).0.0")]) })])

    static let samples: [Term] = [
        .atom("ok"), .atom("Quoted Atom"), .atom("end"), .atom("with'quote"), .atom(""),
        .int(0), .int(-17), .int(Int.max), .int(Int.min), .int(Int.min + 1),
        .float(1.5), .float(-0.001), .float(1.0e21), .float(1.0e-7), .float(0.1),
        .string(""), .string("tab\there \"quoted\" back\\slash \u{263A}\n"),
        .string("\u{15}0\u{1}7\u{1F}x"), .atom(Atom("\u{2}1")),     // control characters before digits
        .binary([]), .binary(Array("text".utf8)), .binary([0, 1, 255]), .binary(Array("é".utf8)),
        .list([]), .tuple([]),
        release,
        .map(TermMap([.atom("a"): .int(1), .string("b"): .list([.float(2.5)])])),
    ]

    @Test(arguments: samples)
    func roundTrip(_ term: Term) throws {
        let text = try TermFile.format([term])
        let back = try TermFile.parse(text).terms
        #expect(back == [term], "\(text)")
    }

    @Test func longTermsBreakLines() throws {
        let text = try TermFile.format([Self.release], width: 60)
        #expect(text.split(separator: "\n").count > 10)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 60 })
        #expect(text.hasPrefix("{release,\"rel\",\n [{app1,\"1.0.0\"},\n  {app2,\"2.0.0\"},"))
    }

    @Test func unwritableValuesAreErrors() {
        #expect(throws: TermWriteError.self) { try TermFile.format([.float(.nan)]) }
        #expect(throws: TermWriteError.self) { try TermFile.format([.list([.float(.infinity)])]) }
    }
}
