import ReliveKit
import ReliveRuntime
import ReliveSystem

/// Why the code server refused a plugin or a purge. Each case names the file
/// or module at fault; after any of them the running system is unchanged.
public enum CodeServerError: Error, CustomStringConvertible {
    case missingFile(String)
    case badFileName(String)
    case notAnELFSharedObject(String)
    /// The file or its folder could be changed by someone else, or it is a link.
    case unsafeFile(String, reason: String)
    /// A system call on the file failed.
    case unreadable(String, SystemError)
    /// The file's SHA-256 is not the one expected (from a verified manifest).
    case hashMismatch(String, expected: String, actual: String)
    case loadFailed(String, message: String)
    case missingEntryPoint(String)
    case notADescriptor(String, type: String)
    case abiMismatch(String, plugin: Int, kit: Int)
    case descriptorMismatch(String, fileApplication: String, fileVersion: String,
                            descriptorApplication: String, descriptorVersion: String)
    case alreadyLoaded(application: String, version: String)
    case badModuleName(String, module: String)
    case duplicateModule(String, module: String)
    case moduleOwnedByAnotherApplication(String, module: String, owner: String)
    case kindMismatch(String, module: String, declared: BehaviourKind, actual: BehaviourKind)
    case oldCodeInUse(module: String, version: String, processes: [Pid])

    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): no such file"
        case .badFileName(let path): "\(path): a plugin's file name must be <app>-<vsn>.so"
        case .notAnELFSharedObject(let path): "\(path): not an ELF shared object"
        case .unsafeFile(let path, let reason): "\(path): refused: \(reason)"
        case .unreadable(let path, let error): "\(path): \(error)"
        case .hashMismatch(let path, let expected, let actual):
            "\(path): SHA-256 is \(actual) but the verified manifest says \(expected); refused"
        case .loadFailed(let path, let message): "\(path): dlopen failed: \(message)"
        case .missingEntryPoint(let path): "\(path): no entry point \(PluginEntryPoint.symbol)"
        case .notADescriptor(let path, let type):
            "\(path): its entry point returned \(type), not a PluginDescriptor (built against another copy of the kit?)"
        case .abiMismatch(let path, let plugin, let kit):
            "\(path): built for kit ABI version \(plugin), but this node's kit is ABI version \(kit)"
        case .descriptorMismatch(let path, let fa, let fv, let da, let dv):
            "\(path): the file name says \(fa)-\(fv) but the plugin says it is \(da)-\(dv)"
        case .alreadyLoaded(let app, let vsn): "\(app)-\(vsn) is already loaded"
        case .badModuleName(let path, let module): "\(path): module name \"\(module)\" is not a valid atom"
        case .duplicateModule(let path, let module): "\(path): module \(module) is listed twice"
        case .moduleOwnedByAnotherApplication(let path, let module, let owner):
            "\(path): module \(module) already belongs to application \(owner)"
        case .kindMismatch(let path, let module, let declared, let actual):
            "\(path): module \(module) is declared \(declared) but its code is \(actual)"
        case .oldCodeInUse(let module, let version, let processes):
            "old code of \(module) (\(version)) is still run by \(processes.count) process(es); purge refused"
        }
    }
}
