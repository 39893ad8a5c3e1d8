import ReliveKit

/// Resolves a release's applications against a catalog and orders them as
/// systools does (`systools_make:get_release/2`): used and included
/// applications before their users, otherwise in `.rel` order. The order
/// decides the order of the applications' scripts in the relup.
///
/// Relive differs from systools in one place: `kernel`, `stdlib` and `sasl`
/// are not required in a release (the Relive host provides what they stand
/// for), and an application that names one of them in `applications` while
/// the release lacks it is not an error.
struct ReleaseResolver {
    let catalog: ApplicationCatalog

    static let hostProvided: Set<String> = ["kernel", "stdlib", "sasl"]

    func resolve(_ release: ReleaseSpec, file: String) throws(RelupError) -> [ResolvedApplication] {
        var apps: [ResolvedApplication] = []
        let inRelease = Set(release.applications.map(\.name))
        for entry in release.applications {
            guard let version = catalog.lookup(entry.name, vsn: entry.vsn) else {
                let found = catalog.versions(of: entry.name)
                let detail = found.isEmpty ? "no \(entry.name.name).app found"
                    : "found versions \(found.map { "\"\($0)\"" }.joined(separator: ", "))"
                throw RelupError("error_reading", .tuple([.atom(entry.name), .tuple([.atom("not_found"), .string(entry.name.name + ".app")])]),
                                 message: "release \(file) needs \(entry.name.name)-\(entry.vsn): \(detail) on the path")
            }
            let spec = version.spec
            var includes = spec.includedApplications
            if let override = entry.includedApplications {
                let notSpecified = override.filter { !includes.contains($0) }
                guard notSpecified.isEmpty else {
                    throw RelupError("override_include", .list(notSpecified.map { .atom($0) }),
                                     message: "release \(file) includes \(notSpecified.map(\.name)) in \(entry.name.name), which its .app does not list in included_applications")
                }
                includes = override
            }
            let uses = spec.applications.filter { inRelease.contains($0) || !ReleaseResolver.hostProvided.contains($0.name) }
            apps.append(ResolvedApplication(name: spec.name, vsn: spec.vsn, type: entry.startType, modules: spec.modules,
                                            uses: uses, optional: spec.optionalApplications, includes: includes,
                                            source: version))
        }
        try checkApplications(&apps, file: file)
        sortUsedAndIncluded(&apps, order: release.applications.map(\.name))
        try checkModules(apps, file: file)
        return try sortApplications(apps, file: file)
    }

    // MARK: systools_make:check_applications

    private func checkApplications(_ apps: inout [ResolvedApplication], file: String) throws(RelupError) {
        let defined = Set(apps.map(\.name))
        var undefined: [Atom] = []
        for a in apps {
            for u in a.uses where !a.optional.contains(u) && !defined.contains(u) && !undefined.contains(u) { undefined.append(u) }
            for u in a.includes where !defined.contains(u) && !undefined.contains(u) { undefined.append(u) }
        }
        guard undefined.isEmpty else {
            throw RelupError("undefined_applications", .list(undefined.map { .atom($0) }),
                             message: "release \(file): applications used but not in the release: \(undefined.map(\.name).joined(separator: ", "))")
        }
        var registered: [Atom: Atom] = [:]
        for a in apps {
            for r in a.registered {
                if let other = registered[r] {
                    throw RelupError("duplicate_register", .list([.atom(r)]),
                                     message: "release \(file): name \(r.name) is registered by both \(other.name) and \(a.name.name)")
                }
                registered[r] = a.name
            }
        }
        // included app -> the app that includes it
        var includer: [Atom: Atom] = [:]
        for a in apps {
            for inc in a.includes {
                if let other = includer[inc] {
                    throw RelupError("duplicate_include", .list([.atom(inc)]),
                                     message: "release \(file): \(inc.name) is included by both \(other.name) and \(a.name.name)")
                }
                includer[inc] = a.name
            }
        }
        func top(_ app: Atom) throws(RelupError) -> Atom {
            var current = app
            var steps = 0
            while let up = includer[current] {
                current = up
                steps += 1
                guard steps <= includer.count else {
                    throw RelupError("circular_dependencies", .list([.atom(app)]),
                                     message: "release \(file): included applications form a cycle through \(app.name)")
                }
            }
            return current
        }
        // add_top_apps_to_uses: an app that uses an included app uses the top of its tree instead.
        for i in apps.indices {
            let myTop = try top(apps[i].name)
            var acc = apps[i].uses
            for used in apps[i].uses {
                if used == myTop {
                    acc.removeFirst(matching: myTop)
                } else if let dependApp = includer[used] {
                    let usedTop = try top(dependApp)
                    if acc.contains(usedTop) {
                        acc.removeFirst(matching: used)
                    } else if myTop == usedTop {
                        // unchanged
                    } else {
                        acc.removeFirst(matching: used)
                        acc.append(usedTop)
                    }
                }
            }
            apps[i].uses = acc
        }
    }

    // MARK: systools_make:sort_used_and_incl_appls

    private func sortUsedAndIncluded(_ apps: inout [ResolvedApplication], order: [Atom]) {
        func sorted(_ list: [Atom]) -> [Atom] {
            guard list.count > 1 else { return list }
            // Names not in the release sort after those in it, in their own order (keysort is stable).
            let keyed = list.enumerated().map { (i, name) in (order.firstIndex(of: name) ?? Int.max, i, name) }
            return keyed.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        }
        for i in apps.indices {
            apps[i].includes = sorted(apps[i].includes)
            apps[i].uses = sorted(apps[i].uses)
        }
    }

    private func checkModules(_ apps: [ResolvedApplication], file: String) throws(RelupError) {
        var owner: [Atom: Atom] = [:]
        for a in apps {
            for m in a.modules {
                if let other = owner[m] {
                    throw RelupError("duplicate_modules", .list([.atom(m)]),
                                     message: "release \(file): module \(m.name) is in both \(other.name) and \(a.name.name)")
                }
                owner[m] = a.name
            }
        }
    }

    // MARK: systools_make:sort_appls

    /// Moves every application after the ones it uses and includes, keeping
    /// `.rel` order otherwise; the same walk as systools so the order agrees.
    private func sortApplications(_ input: [ResolvedApplication], file: String) throws(RelupError) -> [ResolvedApplication] {
        var pending = input
        var out: [ResolvedApplication] = []
        var visited: [Atom] = []
        var circular: [Atom] = []
        var budget = 1000 + input.count * input.count * 4      // the walk is quadratic at worst
        while !pending.isEmpty {
            budget -= 1
            guard budget > 0 else { break }
            let app = pending.removeFirst()
            var rest = pending
            var found: [ResolvedApplication] = []
            func findAll(_ names: [Atom]) {
                // systools walks the reversed list and prepends, which keeps the list's order.
                var acc: [ResolvedApplication] = []
                for name in names.reversed() {
                    if let idx = rest.firstIndex(where: { $0.name == name }) {
                        if rest[idx].includes.contains(app.name) { continue }
                        acc.insert(rest[idx], at: 0)
                        rest.remove(at: idx)
                    }
                }
                found += acc
            }
            findAll(app.uses)
            findAll(app.includes)
            if found.isEmpty {
                out.append(app)
                visited.append(app.name)
            } else {
                let newCircular = found.map(\.name).filter { visited.contains($0) }
                if !newCircular.isEmpty { circular = [app.name] + newCircular + circular }
                pending = removeFirstOccurrences(newCircular, from: found + [app] + rest)
                visited.append(app.name)
            }
        }
        if !circular.isEmpty || budget <= 0 {
            var names: [Atom] = []
            for c in circular where !names.contains(c) { names.append(c) }
            throw RelupError("circular_dependencies", .list(names.map { .atom($0) }),
                             message: "release \(file): applications depend on each other in a cycle: \(names.map(\.name).joined(separator: ", "))")
        }
        return out
    }

    private func removeFirstOccurrences(_ names: [Atom], from list: [ResolvedApplication]) -> [ResolvedApplication] {
        var list = list
        for n in names {
            if let i = list.firstIndex(where: { $0.name == n }) { list.remove(at: i) }
        }
        return list
    }
}
