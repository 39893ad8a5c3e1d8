import ReliveReleases

/// The releases a node knows and their states — unpacked, current,
/// permanent, old — as OTP's release handler keeps them (`RELEASES`).
///
/// A pure state machine, testable without a node: each event checks the
/// transition and returns the new file and the actions the handler must
/// take (write the boot file, write `RELEASES`, in that order: the boot
/// file names the permanent release and wins at boot).
public struct ReleaseStates: Sendable, Equatable {
    public private(set) var file: ReleasesFile

    public init(_ file: ReleasesFile = ReleasesFile(releases: [])) { self.file = file }

    public enum Event: Sendable {
        /// A release was unpacked.
        case unpacked(ReleasesFile.Release)
        /// `vsn` was installed and now runs (not yet permanent).
        case installed(String)
        /// `vsn`, running, becomes the one the node boots.
        case madePermanent(String)
        /// `vsn`'s files are to be removed.
        case removed(String)
        /// `vsn`, an old release, becomes permanent; the node reboots into it.
        case rebootOld(String)
        /// The node booted `vsn` (named by the boot file): it is permanent,
        /// another permanent one old, a current one (installed, never made
        /// permanent, lost with the restart) unpacked again.
        case booted(String)
        /// The node booted `vsn` once, on trial (``TrialBoot``: a release on
        /// another host, or after `restart_emulator`): it is current, the
        /// permanent release stays permanent, another current one is unpacked again.
        case trialBooted(String)
    }

    public enum Action: Sendable, Equatable {
        /// Write the boot file (`start_erl.data`): the release the node boots
        /// and the host (`{erts, Vsn}`) it runs on.
        case writeBootFile(name: String, vsn: String, host: String)
        /// Write `RELEASES` atomically.
        case writeReleases(ReleasesFile)
        /// Remove the release's directory and the application directories no other release uses.
        case removeFiles(vsn: String, applicationDirectories: [String])
        /// Restart the node (it boots the permanent release).
        case restartNode
    }

    /// One release's state. Private: only events move it.
    private enum State {
        case unpacked, current, permanent, old

        init(_ status: ReleaseStatus) {
            switch status {
            case .unpacked: self = .unpacked
            case .current: self = .current
            case .permanent: self = .permanent
            case .old: self = .old
            }
        }

        var status: ReleaseStatus {
            switch self {
            case .unpacked: .unpacked
            case .current: .current
            case .permanent: .permanent
            case .old: .old
            }
        }
    }

    /// The release the node runs: the current one, else the permanent one.
    public var running: ReleasesFile.Release? {
        file.releases.first { $0.status == .current } ?? file.releases.first { $0.status == .permanent }
    }

    public var permanent: ReleasesFile.Release? { file.releases.first { $0.status == .permanent } }

    /// Applies `event`. - Throws: ``ReleaseHandlerError`` for a transition
    /// that is not allowed; the states are then unchanged.
    public mutating func handle(_ event: Event) throws(ReleaseHandlerError) -> [Action] {
        var next = file
        var actions: [Action] = []
        func index(_ vsn: String) throws(ReleaseHandlerError) -> Int {
            guard let i = next.releases.firstIndex(where: { $0.vsn == vsn }) else {
                throw ReleaseHandlerError("no_such_release", "release \(vsn) is not known")
            }
            return i
        }
        func set(_ i: Int, _ state: State) { next.releases[i].status = state.status }
        func state(_ i: Int) -> State { State(next.releases[i].status) }

        switch event {
        case .unpacked(let release):
            if let i = next.releases.firstIndex(where: { $0.vsn == release.vsn }) {
                // A leftover unpacked release never blocks the next attempt.
                guard state(i) == .unpacked else {
                    throw ReleaseHandlerError("existing_release", "release \(release.vsn) is already \(next.releases[i].status.rawValue)")
                }
                next.releases[i] = release
            } else {
                next.releases.append(release)
            }
            set(try index(release.vsn), .unpacked)
        case .installed(let vsn):
            let i = try index(vsn)
            if state(i) == .current { throw ReleaseHandlerError("already_installed", "release \(vsn) is already current") }
            if state(i) == .permanent, running?.vsn == vsn {
                throw ReleaseHandlerError("already_installed", "release \(vsn) is the running release")
            }
            // A previous current (installed, never made permanent) goes back to unpacked.
            for j in next.releases.indices where state(j) == .current { set(j, .unpacked) }
            if state(i) != .permanent { set(i, .current) }
        case .madePermanent(let vsn):
            let i = try index(vsn)
            guard state(i) == .current || (state(i) == .permanent) else {
                throw ReleaseHandlerError("bad_status", "release \(vsn) is \(next.releases[i].status.rawValue), not current")
            }
            for j in next.releases.indices where j != i && state(j) == .permanent { set(j, .old) }
            set(i, .permanent)
            actions.append(.writeBootFile(name: next.releases[i].name, vsn: vsn, host: next.releases[i].runtimeVsn))
        case .removed(let vsn):
            let i = try index(vsn)
            guard state(i) == .unpacked || state(i) == .old else {
                throw ReleaseHandlerError(next.releases[i].status.rawValue, "release \(vsn) is \(next.releases[i].status.rawValue) and cannot be removed")
            }
            let removed = next.releases.remove(at: i)
            let stillUsed = Set(next.releases.flatMap { $0.applications.map(\.dir) })
            actions.append(.removeFiles(vsn: vsn, applicationDirectories: removed.applications.map(\.dir).filter { !stillUsed.contains($0) }))
        case .rebootOld(let vsn):
            let i = try index(vsn)
            guard state(i) == .old else {
                throw ReleaseHandlerError("bad_status", "release \(vsn) is \(next.releases[i].status.rawValue), not old")
            }
            for j in next.releases.indices where state(j) == .permanent || state(j) == .current { set(j, .old) }
            set(i, .permanent)
            actions.append(.writeBootFile(name: next.releases[i].name, vsn: vsn, host: next.releases[i].runtimeVsn))
        case .booted(let vsn):
            let i = try index(vsn)
            for j in next.releases.indices where j != i {
                if state(j) == .current { set(j, .unpacked) }
                if state(j) == .permanent { set(j, .old) }
            }
            set(i, .permanent)
            if next == file { return [] }   // already consistent: nothing to write
        case .trialBooted(let vsn):
            let i = try index(vsn)
            guard state(i) == .unpacked || state(i) == .current else {
                throw ReleaseHandlerError("bad_status", "release \(vsn) is \(next.releases[i].status.rawValue): only an unpacked or current release boots on trial")
            }
            for j in next.releases.indices where j != i && state(j) == .current { set(j, .unpacked) }
            set(i, .current)
            if next == file { return [] }
        }
        actions.append(.writeReleases(next))
        if case .rebootOld = event { actions.append(.restartNode) }
        // The file changes only once every check passed.
        file = next
        return actions
    }
}
