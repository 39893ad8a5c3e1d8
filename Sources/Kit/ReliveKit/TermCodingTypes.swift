/// Type identities the coders test for on every value, looked up once:
/// a generic type's metadata (`[UInt8]`) costs a runtime lookup each time
/// it is named in unspecialised generic code.
enum TermCodingTypes {
    static let bytes = ObjectIdentifier([UInt8].self)
}
