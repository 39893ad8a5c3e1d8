@_spi(Runtime) import ReliveKit

/// One running application's master (OTP's application_master): starts the
/// application's tree, owns its top supervisor, stops it on request, and
/// tells the controller when the tree ends by itself.
enum ApplicationMaster {
    static let stopLabel: Atom = "$app_stop"

    static func run(_ spec: ApplicationSpec, type: ApplicationType, controller: ApplicationController,
                    process: LocalProcess, ack: ProcLib.Ack) async throws {
        process.trapExit = true
        var supervisor: Pid? = nil
        var appState: Term = .list([])
        var callbacks: (any ApplicationBehaviour)? = nil
        if let (module, args) = spec.start {
            do {
                guard let loaded = process.runtime.modules.current(module) else {
                    throw StartError(.tuple([.atom("undef"), .atom(module)]))
                }
                switch loaded.code {
                case .application(let app):
                    callbacks = app
                    let started = try await app.start(type: .atom(Atom.normal), args: args, process: process)
                    supervisor = started.supervisor
                    appState = started.state
                default:
                    // The start module is the top supervisor itself.
                    supervisor = try await Supervisor.start(module, args: args, link: true, from: process).pid
                }
            } catch {
                let reason = (error as? StartError)?.reason ?? ExitReason.from(error)
                ack.failed(.tuple([.atom("bad_start"), .atom(spec.name), reason]))
                throw ProcessExit(.normal)
            }
        }
        ack.started()
        let supervisorTerm: Term = supervisor.map(Term.pid) ?? .undefined
        while true {
            let message = try await process.receive()
            guard case .tuple(let e) = message else { continue }
            if e.count == 3, e[0] == .atom(Atom.exit), e[1] == supervisorTerm {
                controller.applicationEnded(spec.name, reason: e[2], node: process.runtime)
                throw ProcessExit(e[2])
            }
            if e.count == 3, e[0] == .atom(stopLabel), let from = CallFrom(e[1]) {
                if let callbacks { appState = await callbacks.prepareStop(state: appState, process: process) }
                if let supervisor {
                    let monitor = process.monitor(supervisor)
                    process.unlink(supervisor)
                    process.exit(supervisor, reason: .atom(Atom.shutdown))
                    _ = try await process.receive { m -> Bool? in m[element: 1] == .ref(monitor) ? true : nil }
                    let supTerm = Term.pid(supervisor)
                    process.removeMessages { $0[element: 0] == .atom(Atom.exit) && $0[element: 1] == supTerm }
                }
                if let callbacks { await callbacks.stop(state: appState, process: process) }
                from.reply(.ok)
                return
            }
        }
    }
}
