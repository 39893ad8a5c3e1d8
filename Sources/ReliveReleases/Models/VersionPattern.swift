import ReliveKit

/// How an appup names the versions an instruction list applies to: a string
/// is one exact version; a binary is a regular expression that must match the
/// whole version (OTP: `re:run` whose first match is the whole string).
public enum VersionPattern: Sendable, Hashable, CustomStringConvertible {
    case exact(String)
    case regex(String)

    /// Whether `vsn` is named by this pattern. A regex that does not compile
    /// matches nothing (OTP's `re:run` would fail the same way: no match).
    public func matches(_ vsn: String) -> Bool {
        switch self {
        case .exact(let v): return v == vsn
        case .regex(let pattern):
            guard let regex = try? Regex(pattern) else { return false }
            // The FIRST match must cover the whole version, as OTP checks it;
            // this differs from wholeMatch for alternations like "1\.0|1\.0\.1".
            guard let match = try? regex.firstMatch(in: vsn) else { return false }
            return match.range == vsn.startIndex..<vsn.endIndex
        }
    }

    public var term: Term {
        switch self {
        case .exact(let v): .string(v)
        case .regex(let r): .binary(Array(r.utf8))
        }
    }

    public var description: String {
        switch self {
        case .exact(let v): ErlangSyntax.string(v)
        case .regex(let r): "<<" + ErlangSyntax.string(r) + ">>"
        }
    }
}
