import Foundation
import ReliveKit
import ReliveReleases

/// Checks a relup script before anything runs (OTP's `check_script`, and the
/// checks systools makes when it writes one):
/// - every instruction is a known low-level instruction;
/// - at most one `point_of_no_return`; before it, only `load_object_code`,
///   `apply` and a first `restart_new_emulator`; every `load_object_code`
///   before it;
/// - `restart_new_emulator` only first, `restart_emulator` only last;
/// - `sync_nodes`, `restart` and `reboot` refused as `not_supported`;
/// - a module is suspended before it is changed or resumed, and resumed by the end;
/// - every plugin `load_object_code` names is present and an ELF file.
public enum ScriptChecker {
    /// - Parameters:
    ///   - instructions: the script's instructions as terms (a relup entry's).
    ///   - locate: where each application version's plugin is.
    /// - Throws: ``ScriptError`` naming the first instruction at fault.
    /// - Parameter digests: the verified manifest's SHA-256 of each plugin path,
    ///   when the plugins come from an install root; a plugin it does not list
    ///   is refused.
    public static func check(_ instructions: [Term], locate: PluginLocator,
                             digests: [String: String]? = nil) throws(ScriptError) -> CheckedScript {
        var typed: [RelupInstruction] = []
        var texts: [String] = []
        for (i, term) in instructions.enumerated() {
            do { typed.append(try RelupInstruction(term: term)) } catch {
                throw ScriptError("bad_instruction", "not a low-level relup instruction", index: i, instruction: "\(term)")
            }
            texts.append("\(term)")
        }
        func fail(_ kind: String, _ message: String, _ i: Int) -> ScriptError {
            ScriptError(kind, message, index: i, instruction: texts[i])
        }
        var ponr: Int? = nil
        var suspended = Set<Atom>()
        var plugins: [(application: String, version: String, path: String, sha256: String?)] = []
        let hasPONR = typed.contains { if case .pointOfNoReturn = $0 { true } else { false } }
        for (i, instruction) in typed.enumerated() {
            let beforePONR = hasPONR && ponr == nil
            switch instruction {
            case .pointOfNoReturn:
                if ponr != nil { throw fail("too_many_point_of_no_return", "a second point_of_no_return", i) }
                ponr = i
            case .loadObjectCode(let app, let vsn, _):
                if ponr != nil { throw fail("bad_op_after_point_of_no_return", "load_object_code after point_of_no_return", i) }
                let path = locate(app.name, vsn)
                guard isELF(path) else {
                    throw fail("no_object_code", "the plugin of \(app)-\(vsn) is missing or not an ELF file: \(path)", i)
                }
                let sha256 = digests?[path]
                if digests != nil && sha256 == nil {
                    throw fail("no_object_code", "the plugin of \(app)-\(vsn) is not in the release's verified manifest: \(path)", i)
                }
                plugins.append((app.name, vsn, path, sha256))
            case .apply:
                break
            case .restartNewEmulator:
                if i != 0 { throw fail("bad_restart_new_emulator", "restart_new_emulator must be the first instruction", i) }
            case .restartEmulator:
                if i != typed.count - 1 { throw fail("bad_restart_emulator", "restart_emulator must be the last instruction", i) }
            case .syncNodes:
                throw fail("not_supported", "sync_nodes needs a fleet of nodes, which Relive does not have yet", i)
            case .other(let what):
                throw fail("not_supported", "\(what) is not supported: restart or reboot the node through the node layer", i)
            case .suspend(let targets):
                if beforePONR { throw fail("bad_op_before_point_of_no_return", "suspend before point_of_no_return", i) }
                for t in targets { suspended.insert(t.module) }
            case .resume(let modules):
                if beforePONR { throw fail("bad_op_before_point_of_no_return", "resume before point_of_no_return", i) }
                for m in modules where suspended.remove(m) == nil {
                    throw fail("resumed_not_suspended", "\(m) is resumed but was not suspended", i)
                }
            case .codeChange(_, let changes):
                if beforePONR { throw fail("bad_op_before_point_of_no_return", "code_change before point_of_no_return", i) }
                for c in changes where !suspended.contains(c.module) {
                    throw fail("code_change_not_suspended", "\(c.module) is changed but not suspended", i)
                }
            case .load, .remove, .purge, .stop, .start:
                if beforePONR { throw fail("bad_op_before_point_of_no_return", "\(texts[i]) before point_of_no_return", i) }
            }
        }
        if let left = suspended.first {
            throw ScriptError("suspended_not_resumed", "\(left) is suspended and never resumed")
        }
        return CheckedScript(instructions: typed, texts: texts, pointOfNoReturn: ponr, plugins: plugins)
    }

    /// True when `path` is a regular file starting with the ELF magic.
    static func isELF(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let bytes = try? handle.read(upToCount: 4) else { return false }
        return [UInt8](bytes) == [0x7F, 0x45, 0x4C, 0x46]
    }
}
