import ReliveKit

extension ApplicationResource {
    /// Reads an application spec from its term.
    ///
    /// `vsn` and `modules` are required; `description`, `registered` and
    /// `applications` default to empty (systools requires them; Relive does
    /// not). Unknown keys are kept in ``extra``.
    ///
    /// - Throws: ``ModelError`` naming the file and the field.
    public init(term: Term, file: String = "<input>", position: SourcePosition? = nil) throws(ModelError) {
        let d = ModelDecoder(file: file, position: position, kind: ".app")
        guard case .tuple(let top) = term, top.count == 3, top[0] == .atom("application") else {
            throw d.error("expected {application, Name, [Key-value pairs]}, got \(ModelDecoder.show(term))")
        }
        let name = try d.atom(top[1], "application name")
        let d2 = ModelDecoder(file: file, position: position, kind: ".app of \(name.name)")
        let pairs = try d2.keyValues(top[2], "properties")
        var seen = Set<Atom>()
        var spec = ApplicationResource(name: name, vsn: "")
        var hasVsn = false, hasModules = false
        for pair in pairs {
            // Erlang's keysearch takes the first; later duplicates are ignored.
            guard seen.insert(pair.key).inserted else { continue }
            let v = pair.value
            switch pair.key.name {
            case "vsn": spec.vsn = try d2.string(v, "vsn"); hasVsn = true
            case "description": spec.description = try d2.string(v, "description")
            case "id": spec.id = try d2.string(v, "id")
            case "modules": spec.modules = try d2.atoms(v, "modules"); hasModules = true
            case "registered": spec.registered = try d2.atoms(v, "registered")
            case "applications": spec.applications = try d2.atoms(v, "applications")
            case "optional_applications": spec.optionalApplications = try d2.atoms(v, "optional_applications")
            case "included_applications": spec.includedApplications = try d2.atoms(v, "included_applications")
            case "mod":
                if case .list([]) = v { break }
                let t = try d2.tuple(v, "mod", counts: 2...2)
                spec.mod = StartModule(module: try d2.atom(t[0], "mod module"), args: t[1])
            case "env": spec.env = try d2.keyValues(v, "env")
            case "start_phases":
                if v != .undefined { _ = try d2.keyValues(v, "start_phases") }
                spec.startPhases = v
            case "maxT", "maxP":
                let ok: Bool
                if case .int(let n) = v { ok = n > 0 } else { ok = v == .atom("infinity") }
                guard ok else { throw d2.error("\(pair.key.name): expected a positive integer or infinity") }
                if pair.key.name == "maxT" { spec.maxT = v } else { spec.maxP = v }
            default:
                spec.extra.append(pair)
            }
        }
        guard hasVsn else { throw d2.error("missing {vsn, Vsn}") }
        guard hasModules else { throw d2.error("missing {modules, [Module]}") }
        let duplicates = Dictionary(grouping: spec.modules, by: { $0 }).filter { $0.value.count > 1 }.keys
        if let dup = duplicates.sorted().first { throw d2.error("modules: \(dup) is listed twice") }
        self = spec
    }

    /// The spec as its `.app` term; reading it back gives an equal spec.
    public var term: Term {
        var pairs: [Term] = [
            .tuple([.atom("description"), .string(description)]),
            .tuple([.atom("vsn"), .string(vsn)]),
        ]
        if let id { pairs.append(.tuple([.atom("id"), .string(id)])) }
        pairs.append(.tuple([.atom("modules"), .list(modules.map { .atom($0) })]))
        pairs.append(.tuple([.atom("registered"), .list(registered.map { .atom($0) })]))
        pairs.append(.tuple([.atom("applications"), .list(applications.map { .atom($0) })]))
        if !optionalApplications.isEmpty {
            pairs.append(.tuple([.atom("optional_applications"), .list(optionalApplications.map { .atom($0) })]))
        }
        if !includedApplications.isEmpty {
            pairs.append(.tuple([.atom("included_applications"), .list(includedApplications.map { .atom($0) })]))
        }
        if let mod { pairs.append(.tuple([.atom("mod"), .tuple([.atom(mod.module), mod.args])])) }
        if !env.isEmpty { pairs.append(.tuple([.atom("env"), .list(env.map(\.term))])) }
        if let startPhases { pairs.append(.tuple([.atom("start_phases"), startPhases])) }
        if let maxT { pairs.append(.tuple([.atom("maxT"), maxT])) }
        if let maxP { pairs.append(.tuple([.atom("maxP"), maxP])) }
        pairs += extra.map(\.term)
        return .tuple([.atom("application"), .atom(name), .list(pairs)])
    }

    /// Reads `path` (a `.app` file holding one term).
    ///
    /// - Throws: ``TermFileError`` or ``ModelError``.
    public static func read(path: String) throws -> ApplicationResource {
        let doc = try TermFile.read(path: path)
        return try ApplicationResource(term: try doc.single(), file: path, position: doc.positions.first)
    }
}
