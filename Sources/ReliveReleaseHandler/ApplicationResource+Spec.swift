import ReliveKit
import ReliveReleases
import ReliveRuntime

extension ApplicationResource {
    /// The runtime's ``ApplicationSpec`` for this `.app` — the one place
    /// the two meet.
    /// - Parameters:
    ///   - environment: `sys.config`'s entries for this application; they
    ///     override the `.app`'s `env` key by key.
    ///   - within: the applications of the release; dependencies outside it
    ///     (OTP's kernel, stdlib, sasl, which Relive has no processes for) are dropped.
    public func spec(environment overrides: [KeyValue] = [], within release: Set<Atom>) -> ApplicationSpec {
        var env: [Atom: Term] = [:]
        for kv in self.env { env[kv.key] = kv.value }
        for kv in overrides { env[kv.key] = kv.value }
        return ApplicationSpec(name: name, version: vsn, description: description, modules: modules,
                               registered: registered,
                               applications: applications.filter { release.contains($0) },
                               start: mod.map { ($0.module, $0.args) }, environment: env)
    }
}

extension StartType {
    /// The runtime's type, or nil for `load` and `none` (not started).
    public var applicationType: ApplicationType? {
        switch self {
        case .permanent: .permanent
        case .transient: .transient
        case .temporary: .temporary
        case .load, .none: nil
        }
    }
}
