@_spi(Runtime) import ReliveKit

/// How one application's environment changed (OTP's `config_change/3` arguments).
public struct EnvironmentChange: Sendable, Equatable {
    public let application: Atom
    /// Keys whose value changed, with the new value.
    public let changed: [Atom: Term]
    /// Keys the environment did not have, with their value.
    public let new: [Atom: Term]
    /// Keys the environment no longer has.
    public let removed: [Atom]

    public init(application: Atom, changed: [Atom: Term], new: [Atom: Term], removed: [Atom]) {
        self.application = application
        self.changed = changed
        self.new = new
        self.removed = removed
    }

    /// The difference from `before` to `after`.
    static func between(_ application: Atom, _ before: [Atom: Term], _ after: [Atom: Term]) -> EnvironmentChange {
        var changed: [Atom: Term] = [:]
        var new: [Atom: Term] = [:]
        for (key, value) in after {
            if let old = before[key] { if old != value { changed[key] = value } } else { new[key] = value }
        }
        let removed = before.keys.filter { after[$0] == nil }.sorted { $0.name < $1.name }
        return EnvironmentChange(application: application, changed: changed, new: new, removed: removed)
    }

    public var isEmpty: Bool { changed.isEmpty && new.isEmpty && removed.isEmpty }
}

/// An application's `config_change` that threw.
public struct ConfigChangeFailure: Sendable, CustomStringConvertible {
    public let application: Atom
    public let reason: Term
    public var description: String { "\(application): config_change failed: \(reason)" }
}

extension ApplicationController {
    /// Some applications' specs and environments, to put back with ``restoreApplicationData(_:)``.
    public struct ApplicationData: Sendable {
        fileprivate let entries: [Atom: (spec: ApplicationSpec?, environment: [Atom: Term]?)]
    }

    /// The specs and environments of `names` as they are now (nil for one not loaded).
    public func applicationData(_ names: some Sequence<Atom>) -> ApplicationData {
        state.withLock { s in
            var entries: [Atom: (spec: ApplicationSpec?, environment: [Atom: Term]?)] = [:]
            for name in names { entries[name] = (s.loaded[name], s.environment[name]) }
            return ApplicationData(entries: entries)
        }
    }

    /// Puts back what ``applicationData(_:)`` took (a failed install's undo);
    /// other applications are not touched.
    public func restoreApplicationData(_ data: ApplicationData) {
        state.withLock { s in
            for (name, entry) in data.entries {
                s.loaded[name] = entry.spec
                s.environment[name] = entry.environment
            }
        }
    }

    /// OTP's `change_application_data`: each of `specs` whose application is
    /// loaded replaces its spec and its whole environment (the new release's
    /// `.app` env overridden by its `sys.config`); applications not loaded are
    /// left alone.
    /// - Returns: the environment changes, one per application whose environment differs.
    public func changeApplicationData(_ specs: [ApplicationSpec]) -> [EnvironmentChange] {
        state.withLock { s in
            var changes: [EnvironmentChange] = []
            for spec in specs where s.loaded[spec.name] != nil {
                let change = EnvironmentChange.between(spec.name, s.environment[spec.name] ?? [:], spec.environment)
                s.loaded[spec.name] = spec
                s.environment[spec.name] = spec.environment
                if !change.isEmpty { changes.append(change) }
            }
            return changes
        }
    }

    /// OTP's `config_change`: calls the application module's
    /// `configChange` for each change of a running application whose start
    /// module is an application module (one whose start module is its top
    /// supervisor has no callback), in the caller, on the module's current code.
    /// - Returns: the callbacks that threw; every callback is called whatever the others do.
    public func configChange(_ changes: [EnvironmentChange], from caller: LocalProcess) async -> [ConfigChangeFailure] {
        var failures: [ConfigChangeFailure] = []
        for change in changes {
            let module = state.withLock { s -> Atom? in
                guard s.running.contains(where: { $0.name == change.application }) else { return nil }
                return s.loaded[change.application]?.start?.module
            }
            guard let module, case .application(let callbacks)? = caller.runtime.modules.current(module)?.code else { continue }
            do {
                try await callbacks.configChange(changed: change.changed, new: change.new, removed: change.removed, process: caller)
            } catch {
                failures.append(ConfigChangeFailure(application: change.application, reason: ExitReason.from(error)))
            }
        }
        return failures
    }
}
