import Crypto
import Foundation
import Logging
import ReliveBundles
import ReliveCodeServer
import ReliveKit
import ReliveReleases
import ReliveRuntime

/// OTP's release handler for one node and its install root (`releases/`,
/// `lib/<app>-<vsn>/`): unpack, check_install, install, make_permanent,
/// remove, which_releases, reboot_old_release.
///
/// Each operation is a plain call with data in and data out (the control
/// socket calls them), and each change of the release states is written
/// atomically before the call returns (boot file first, then `RELEASES`).
/// Calls are not concurrent: one handler serves one request at a time (the
/// node layer serialises them; hence `@unchecked Sendable`: it may be handed
/// between tasks, never used from two at once).
public final class ReleaseHandler: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var root: String
        /// Ed25519 public keys (raw, 32 bytes each) a bundle's signature may
        /// be by; empty means none is trusted.
        public var trustedKeys: [[UInt8]] = []
        /// Accept bundles without a trusted signature (said in the result).
        public var allowUnsigned = false
        public var evaluator = ScriptEvaluator.Options()
        /// The host (`{erts, Vsn}`) this node runs on; nil: not known, so a
        /// release on another host needs its host in `hosts/<vsn>/`.
        public var hostVersion: String? = nil

        public init(root: String) { self.root = root }
    }

    /// A release as `which_releases` reports it.
    public struct ReleaseInfo: Sendable, Equatable {
        public let name: String
        public let vsn: String
        public let applications: [String]
        public let status: ReleaseStatus
    }

    /// What an unpack did.
    public struct UnpackReport: Sendable {
        public let name: String
        public let vsn: String
        /// True when a trusted key signed it; false only with `allowUnsigned`.
        public let signed: Bool
        /// An old release's files, already in the root, were taken as they are.
        public let reused: Bool
    }

    /// What an install did.
    public struct InstallReport: Sendable {
        public let from: String
        public let to: String
        public let downgrade: Bool
        public let evaluation: EvaluationReport
        /// The applications whose environment the target release changed.
        public var configChanges: [EnvironmentChange] = []
        /// The `config_change` callbacks that threw (the release stays installed, as in OTP).
        public var configChangeFailures: [ConfigChangeFailure] = []
    }

    public let configuration: Configuration
    public let store: ReleasesStore
    private let node: Node
    private let code: CodeServer
    let logger: Logger
    private var states: ReleaseStates

    /// Test hook: called at each named step of an operation
    /// (``Checkpoint``), so a crash-consistency test can kill the node there.
    @_spi(Testing) public var checkpoint: (@Sendable (Checkpoint) -> Void)? = nil

    /// The steps a crash-consistency test can stop at: between the writes
    /// that move a release from one state to the next.
    public enum Checkpoint: String, Sendable, CaseIterable {
        /// unpack: the bundle's files are in place, RELEASES not yet written.
        case unpacked = "unpack:files_in_place"
        /// install: the script ran and committed, RELEASES not yet written.
        case installed = "install:code_changed"
        /// A state change: the boot file is written, RELEASES not yet.
        case bootFileWritten = "boot_file_written"
        /// A state change: RELEASES is written.
        case releasesWritten = "releases_written"
    }

    /// Reads the root's `RELEASES`.
    /// - Throws: ``ReleaseHandlerError`` for a malformed one.
    public init(node: Node, code: CodeServer, configuration: Configuration,
                store: ReleasesStore? = nil, logger: Logger? = nil) throws(ReleaseHandlerError) {
        self.node = node
        self.code = code
        self.configuration = configuration
        self.store = store ?? ReleasesStore(root: configuration.root)
        self.logger = logger ?? node.logger
        self.states = ReleaseStates(try self.store.readReleases())
    }

    var root: String { configuration.root }

    /// `which_releases`.
    public func whichReleases() -> [ReleaseInfo] {
        states.file.releases.map {
            ReleaseInfo(name: $0.name, vsn: $0.vsn, applications: $0.applications.map { "\($0.name)-\($0.vsn)" }, status: $0.status)
        }
    }

    /// The release the node runs now.
    public var running: ReleasesFile.Release? { states.running }

    /// The permanent release (the one the boot file names).
    public var permanent: ReleasesFile.Release? { states.permanent }

    /// RELEASES' record of `vsn`, nil when it is not known.
    public func release(_ vsn: String) -> ReleasesFile.Release? { states.file.releases.first { $0.vsn == vsn } }

    /// Records a release already in the root (e.g. the first one, put there
    /// by the installer) as permanent, when RELEASES knows none.
    public func adoptInitialRelease(_ vsn: String) throws(ReleaseHandlerError) {
        guard states.file.releases.isEmpty else { throw ReleaseHandlerError("has_releases", "RELEASES already lists releases") }
        let release = try readRelease(vsn)
        var next = states
        _ = try next.handle(.unpacked(release))
        _ = try next.handle(.installed(vsn))
        try apply(try next.handle(.madePermanent(vsn)), next)
    }

    /// Records a release whose files are already in the root (put there by
    /// other means than ``unpack(bundleAt:)``) as unpacked, after the same
    /// `.rel`/`.app` checks.
    public func recordUnpacked(_ vsn: String) throws(ReleaseHandlerError) {
        let release = try readRelease(vsn)
        var next = states
        try apply(try next.handle(.unpacked(release)), next)
    }

    /// `unpack_release` from a bundle: verified (signed by a trusted key
    /// unless `allowUnsigned`), unpacked into the root, its `.rel` and every
    /// `.app` read and checked against each other, and recorded as unpacked.
    /// Leftover `.relive-unpack-*` directories of a killed unpack are removed first.
    /// - Parameters:
    ///   - allowUnsigned: overrides the configuration's for this bundle.
    ///   - reuseOld: a bundle of an old release (one this node ran before)
    ///     is not unpacked again: its verified files are in the root; the
    ///     report says `reused`.
    /// - Throws: ``ReleaseHandlerError``; a release the root knows (other than
    ///   unpacked) is refused before any file is touched, and a refused
    ///   bundle's new files are removed again.
    @discardableResult
    public func unpack(bundleAt path: String, allowUnsigned: Bool? = nil, reuseOld: Bool = false) throws(ReleaseHandlerError) -> UnpackReport {
        cleanLeftovers()
        var policy: BundleSignaturePolicy? = nil
        var verified: BundleContents? = nil
        for raw in configuration.trustedKeys {
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                throw ReleaseHandlerError("bad_key", "a trusted key is not a 32-byte Ed25519 public key")
            }
            if let contents = try? BundleVerifier(signaturePolicy: .require(key)).verify(bundleAt: path) {
                policy = .require(key)
                verified = contents
                break
            }
        }
        if policy == nil {
            guard allowUnsigned ?? configuration.allowUnsigned else {
                throw ReleaseHandlerError("unsigned", "\(path) is not signed by a trusted key (allow unsigned bundles explicitly to install it)")
            }
            policy = .ignore
            do { verified = try BundleVerifier(signaturePolicy: .ignore).verify(bundleAt: path) } catch {
                throw ReleaseHandlerError("bad_bundle", "\(path): \(error)")
            }
        }
        let signed: Bool = if case .require = policy { true } else { false }
        if let verified, let known = states.file.releases.first(where: { $0.vsn == verified.releaseVersion }), known.status != .unpacked {
            if reuseOld && known.status == .old {
                return UnpackReport(name: known.name, vsn: known.vsn, signed: signed, reused: true)
            }
            throw ReleaseHandlerError("existing_release", "release \(known.vsn) is already \(known.status.rawValue)")
        }
        let contents: BundleContents
        do { contents = try BundleUnpacker(signaturePolicy: policy ?? .ignore).unpack(bundleAt: path, into: root) } catch {
            throw ReleaseHandlerError("bad_bundle", "\(path): \(error)")
        }
        checkpoint?(.unpacked)
        let vsn = contents.releaseVersion
        let release: ReleasesFile.Release
        do { release = try readRelease(vsn, expectedName: contents.releaseName) } catch {
            removeFiles(vsn: vsn, applicationDirectories: contents.applications.map { "\(root)/lib/\($0.name)-\($0.version)" })
            throw error
        }
        var next = states
        try apply(try next.handle(.unpacked(release)), next)
        logger.info("release unpacked", metadata: ["release": "\(release.name)-\(vsn)", "signed": "\(signed)"])
        return UnpackReport(name: release.name, vsn: vsn, signed: signed, reused: false)
    }

    /// `check_install_release`: finds the script from the running release
    /// to `vsn` and checks it (plugins present) and `vsn`'s `sys.config`
    /// and `.app` files (readable); runs nothing.
    public func checkInstall(_ vsn: String) throws(ReleaseHandlerError) -> (script: CheckedScript, downgrade: Bool) {
        guard let target = states.file.releases.first(where: { $0.vsn == vsn }) else {
            throw ReleaseHandlerError("no_such_release", "release \(vsn) is not known")
        }
        guard let from = states.running else { throw ReleaseHandlerError("no_running_release", "no release is running") }
        if from.vsn == target.vsn { throw ReleaseHandlerError("already_installed", "release \(vsn) is running") }
        let (instructions, downgrade) = try script(from: from.vsn, to: vsn)
        // OTP's restart_new_emulator: a release on another host (`{erts, Vsn}`)
        // boots on that host through the watchdog (``TrialBoot``); the host
        // must be there, checked, before anything changes.
        if target.runtimeVsn != from.runtimeVsn {
            guard instructions.first == .atom("restart_new_emulator") else {
                throw ReleaseHandlerError("bad_script", "release \(vsn) runs on host \(target.runtimeVsn), the running release \(from.vsn) on \(from.runtimeVsn), but the script between them does not begin with restart_new_emulator")
            }
            _ = try hostCommand(for: target)
        }
        // Both ways the plugins loaded are the target release's: hash-checked against its manifest.
        let digests = try InstalledManifest.pluginDigests(root: root, vsn: vsn)
        _ = try applicationSpecs(vsn)
        do {
            return (try ScriptChecker.check(instructions, locate: CheckedScript.installRootLocator(root), digests: digests), downgrade)
        } catch {
            throw ReleaseHandlerError(error.kind, error.description)
        }
    }

    /// `install_release`: runs the script from the running release to `vsn`
    /// (an upgrade by `vsn`'s relup, or a downgrade by the running release's
    /// down script) as one transaction, then records `vsn` as current.
    /// As OTP's: the applications' specs and environments become `vsn`'s
    /// (its `.app` files and `sys.config`) before the script runs, so the new
    /// code sees them, and once `vsn` is recorded each running application
    /// whose environment changed has its `configChange` called.
    /// - Throws: ``ReleaseHandlerError`` (kind of the ``ScriptError``) after a
    ///   full rollback: the node is on the release it was on, environments included.
    /// - Parameter configure: test hook, to reach the evaluator before it runs.
    public func install(_ vsn: String, from caller: LocalProcess,
                        configure: (ScriptEvaluator) -> Void = { _ in }) async throws(ReleaseHandlerError) -> InstallReport {
        let (script, downgrade) = try checkInstall(vsn)
        let specs = try applicationSpecs(vsn)
        let from = states.running?.vsn ?? ""
        let evaluator = ScriptEvaluator(node: node, code: code, options: configuration.evaluator, logger: logger)
        configure(evaluator)
        let applicationData = node.applications.applicationData(specs.map(\.name))
        let configChanges = node.applications.changeApplicationData(specs)
        let report: EvaluationReport
        do { report = try await evaluator.evaluate(script, mode: downgrade ? .down : .up, from: caller) } catch {
            node.applications.restoreApplicationData(applicationData)
            logger.warning("install refused", metadata: ["release": "\(vsn)", "error": "\(error)"])
            throw ReleaseHandlerError(error.kind, error.description)
        }
        if report.restart == .restartNewEmulator {
            // Nothing ran: the release boots on its host, on trial, through the
            // node layer (``scheduleTrialBoot(_:)``); until then this node is as it was.
            node.applications.restoreApplicationData(applicationData)
            logger.info("release needs its host", metadata: ["release": "\(vsn)", "from": "\(from)"])
            return InstallReport(from: from, to: vsn, downgrade: downgrade, evaluation: report)
        }
        checkpoint?(.installed)
        var next = states
        do { try apply(try next.handle(.installed(vsn)), next) } catch {
            // The code runs the new release; only its record failed. Said, not hidden.
            logger.error("installed but RELEASES not written", metadata: ["error": "\(error)"])
            throw error
        }
        var installed = InstallReport(from: from, to: vsn, downgrade: downgrade, evaluation: report)
        installed.configChanges = configChanges
        installed.configChangeFailures = await node.applications.configChange(configChanges, from: caller)
        for failure in installed.configChangeFailures { logger.warning("config_change failed", metadata: ["error": "\(failure)"]) }
        logger.info("release installed", metadata: ["from": "\(from)", "to": "\(vsn)", "report": "\(report)"])
        return installed
    }

    /// `make_permanent`: the running (current) release becomes the one the node boots.
    public func makePermanent(_ vsn: String) throws(ReleaseHandlerError) {
        var next = states
        try apply(try next.handle(.madePermanent(vsn)), next)
    }

    /// `remove_release`: forgets an unpacked or old release and removes its
    /// files (and application directories no other release uses).
    public func remove(_ vsn: String) throws(ReleaseHandlerError) {
        var next = states
        try apply(try next.handle(.removed(vsn)), next)
    }

    /// Brings RELEASES in line with the release the node booted (see ``ReleaseStates/Event/booted(_:)``).
    public func booted(_ vsn: String) throws(ReleaseHandlerError) {
        var next = states
        if !next.file.releases.contains(where: { $0.vsn == vsn }) {
            // Booted from files RELEASES does not list yet (a first boot): recorded.
            _ = try next.handle(.unpacked(try readRelease(vsn)))
        }
        try apply(try next.handle(.booted(vsn)), next)
    }

    /// Brings RELEASES in line with a trial boot of `vsn` (see ``ReleaseStates/Event/trialBooted(_:)``).
    public func trialBooted(_ vsn: String) throws(ReleaseHandlerError) {
        var next = states
        try apply(try next.handle(.trialBooted(vsn)), next)
    }

    /// `reboot_old_release`: an old release becomes permanent; the node layer restarts the node.
    public func rebootOldRelease(_ vsn: String) throws(ReleaseHandlerError) -> RestartAction {
        var next = states
        try apply(try next.handle(.rebootOld(vsn)), next)
        return .restartEmulator
    }

    /// Carries out the state machine's actions, then adopts the new states:
    /// when a write fails, the in-memory states stay as they were.
    /// A failed RELEASES write after the boot file was written puts the old
    /// boot file back, so the two files never disagree for long (and boot
    /// trusts the boot file when they do).
    private func apply(_ actions: [ReleaseStates.Action], _ next: ReleaseStates) throws(ReleaseHandlerError) {
        var previousBoot: ReleasesStore.BootEntry?? = nil
        for action in actions {
            switch action {
            case .writeBootFile(let name, let vsn, let host):
                previousBoot = .some(try? store.readBootFile())
                try store.writeBootFile(.init(name: name, vsn: vsn, host: host))
                checkpoint?(.bootFileWritten)
            case .writeReleases(let file):
                do { try store.writeReleases(file) } catch {
                    if case .some(.some(let old)) = previousBoot { try? store.writeBootFile(old) }
                    throw error
                }
                checkpoint?(.releasesWritten)
            case .removeFiles(let vsn, let dirs): removeFiles(vsn: vsn, applicationDirectories: dirs)
            case .restartNode: break   // returned to the caller
            }
        }
        states = next
    }

    /// The up script of `to`'s relup from `from`, or else the down script of `from`'s relup to `to`.
    private func script(from: String, to: String) throws(ReleaseHandlerError) -> ([Term], Bool) {
        let upPath = "\(root)/releases/\(to)/relup"
        if let relup = try? Relup.read(path: upPath), let entry = relup.up.first(where: { $0.vsn == from }) {
            return (entry.instructions, false)
        }
        let downPath = "\(root)/releases/\(from)/relup"
        if let relup = try? Relup.read(path: downPath), let entry = relup.down.first(where: { $0.vsn == to }) {
            return (entry.instructions, true)
        }
        throw ReleaseHandlerError("no_relup", "neither \(upPath) upgrades from \(from) nor \(downPath) downgrades to \(to)")
    }

    /// Reads `releases/<vsn>/<name>.rel` and each application's `.app`, and
    /// checks they agree (names, versions, plugin present).
    func readRelease(_ vsn: String, expectedName: String? = nil) throws(ReleaseHandlerError) -> ReleasesFile.Release {
        let dir = "\(root)/releases/\(vsn)"
        let rels = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".rel") }.sorted()
        guard let relFile = expectedName.map({ "\($0).rel" }).flatMap({ rels.contains($0) ? $0 : nil }) ?? rels.first else {
            throw ReleaseHandlerError("bad_release", "\(dir): no .rel file")
        }
        let spec: ReleaseSpec
        do { spec = try ReleaseSpec.read(path: "\(dir)/\(relFile)") } catch {
            throw ReleaseHandlerError("bad_release", "\(dir)/\(relFile): \(error)")
        }
        guard spec.vsn == vsn else {
            throw ReleaseHandlerError("bad_release", "\(dir)/\(relFile) says version \(spec.vsn), its directory \(vsn)")
        }
        if let expectedName, spec.name != expectedName {
            throw ReleaseHandlerError("bad_release", "\(dir)/\(relFile) names release \(spec.name), the bundle \(expectedName)")
        }
        var apps: [ReleasesFile.InstalledApplication] = []
        for app in spec.applications {
            let appDir = "\(root)/lib/\(app.name)-\(app.vsn)"
            let resource = try Self.applicationResource(app.name, in: appDir)
            guard resource.name == app.name, resource.vsn == app.vsn else {
                throw ReleaseHandlerError("bad_application", "\(appDir): the .app says \(resource.name)-\(resource.vsn), the .rel \(app.name)-\(app.vsn)")
            }
            apps.append(.init(name: app.name, vsn: app.vsn, dir: appDir))
        }
        return ReleasesFile.Release(name: spec.name, vsn: vsn, runtimeVsn: spec.runtimeVsn, applications: apps, status: .unpacked)
    }

    /// `lib/<app>-<vsn>/ebin/<app>.app` (OTP's place) or `lib/<app>-<vsn>/<app>.app`.
    static func applicationResource(_ name: Atom, in appDir: String) throws(ReleaseHandlerError) -> ApplicationResource {
        for path in ["\(appDir)/ebin/\(name).app", "\(appDir)/\(name).app"] where FileManager.default.fileExists(atPath: path) {
            do { return try ApplicationResource.read(path: path) } catch {
                throw ReleaseHandlerError("bad_application", "\(path): \(error)")
            }
        }
        throw ReleaseHandlerError("bad_application", "\(appDir): no \(name).app")
    }

    private func cleanLeftovers() {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where entry.hasPrefix(".relive-unpack-") {
            try? FileManager.default.removeItem(atPath: "\(root)/\(entry)")
            logger.info("removed the leftover of an interrupted unpack", metadata: ["path": "\(root)/\(entry)"])
        }
    }

    private func removeFiles(vsn: String, applicationDirectories: [String]) {
        try? FileManager.default.removeItem(atPath: "\(root)/releases/\(vsn)")
        for dir in applicationDirectories { try? FileManager.default.removeItem(atPath: dir) }
    }
}
