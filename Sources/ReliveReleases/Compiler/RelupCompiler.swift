import ReliveKit

/// Compiles the upgrade and downgrade scripts between releases from the
/// applications' appups: `systools:make_relup/4`'s job, with its semantics.
///
/// For each old release, the up script collects (in the new release's
/// application order) the appup instructions of every application whose
/// version changed, adds `add_application` for applications only the new
/// release has (first) and `remove_application` for those only the old one has
/// (last), restarts the runtime when its version changed, and translates it
/// all with ``ScriptTranslator``. The down script does the same the other way,
/// from the new appups' down entries.
public struct RelupCompiler: Sendable {
    /// What the compiler should be strict about.
    public struct Options: Sendable {
        /// Make `uncovered_module` warnings errors (Relive's addition).
        public var strict: Bool
        /// Append `restart_emulator` to every script (systools' `restart_emulator` option).
        public var restartEmulator: Bool

        public init(strict: Bool = false, restartEmulator: Bool = false) {
            self.strict = strict
            self.restartEmulator = restartEmulator
        }
    }

    /// A compiled relup and what the compiler warns about.
    public struct Output: Sendable {
        public var relup: Relup
        public var warnings: [RelupWarning]
    }

    public let catalog: ApplicationCatalog
    public let options: Options

    public init(catalog: ApplicationCatalog, options: Options = Options()) {
        self.catalog = catalog
        self.options = options
    }

    /// A release together with the file it came from (for messages) and the
    /// free-form description systools puts into the relup (`[]` when none).
    public struct Input: Sendable {
        public var release: ReleaseSpec
        public var file: String
        public var description: Term

        public init(release: ReleaseSpec, file: String = "<release>", description: Term = .list([])) {
            self.release = release
            self.file = file
            self.description = description
        }
    }

    /// Compiles the relup of `to`, upgrading from each of `upFrom` and
    /// downgrading to each of `downTo`.
    ///
    /// - Returns: the relup (entries in systools' order: the last release given
    ///   first) and the warnings.
    /// - Throws: ``RelupError`` with OTP's error name; nothing is written.
    public func compile(to: Input, upFrom: [Input], downTo: [Input]) throws(RelupError) -> Output {
        let resolver = ReleaseResolver(catalog: catalog)
        let topApps = try resolver.resolve(to.release, file: to.file)
        var warnings: [RelupWarning] = []
        var up: [Relup.Entry] = [], down: [Relup.Entry] = []
        for base in upFrom {
            let baseApps = try resolver.resolve(base.release, file: base.file)
            let scripts = try scriptsFor(.up, top: to, topApps: topApps, base: base, warnings: &warnings)
            let translator = ScriptTranslator(mode: .up, appls: topApps, preAppls: baseApps)
            let script = try translator.translate(scripts)
            up.insert(Relup.Entry(vsn: base.release.vsn, description: base.description, instructions: script), at: 0)
        }
        for base in downTo {
            let baseApps = try resolver.resolve(base.release, file: base.file)
            let scripts = try scriptsFor(.down, top: to, topApps: topApps, base: base, warnings: &warnings)
            let translator = ScriptTranslator(mode: .down, appls: baseApps, preAppls: topApps)
            let script = try translator.translate(scripts)
            down.insert(Relup.Entry(vsn: base.release.vsn, description: base.description, instructions: script), at: 0)
        }
        return Output(relup: Relup(vsn: to.release.vsn, up: up, down: down), warnings: warnings)
    }
}
