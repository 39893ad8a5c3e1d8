import Glibc
import ReliveKit

/// A shared object opened with `dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)`.
///
/// There is deliberately no `close`: unmapping Swift code crashes the Swift
/// runtime, which keeps pointers into every image it has seen (see
/// shared/notes/swift-plugins-on-linux.md). A "purged" plugin stays mapped
/// until the OS process ends.
public struct DynamicLibrary: @unchecked Sendable {
    /// The path it was opened from.
    public let path: String
    private let handle: UnsafeMutableRawPointer

    /// Opens the shared object at `path`.
    /// - Throws: ``DynamicLibraryError/openFailed(path:message:)`` with the
    ///   loader's message (missing file, not an ELF object, missing dependency…).
    public init(path: String) throws(DynamicLibraryError) {
        try self.init(opening: path, shownAs: path)
    }

    /// Opens the shared object at `loaderPath` (for instance `/proc/self/fd/N`,
    /// a descriptor already checked) and names it `path` in errors.
    /// - Throws: ``DynamicLibraryError/openFailed(path:message:)``.
    public init(opening loaderPath: String, shownAs path: String) throws(DynamicLibraryError) {
        _ = dlerror()
        guard let handle = dlopen(loaderPath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw .openFailed(path: path, message: Self.lastError())
        }
        self.path = path
        self.handle = handle
    }

    /// The address of `symbol`.
    /// - Throws: ``DynamicLibraryError/missingSymbol(path:symbol:)``.
    public func address(of symbol: String) throws(DynamicLibraryError) -> UnsafeMutableRawPointer {
        _ = dlerror()
        guard let address = dlsym(handle, symbol) else {
            throw .missingSymbol(path: path, symbol: symbol)
        }
        return address
    }

    /// Calls the plugin's entry point and returns the object it hands over.
    /// - Throws: when the symbol is missing or the object is not a
    ///   ``PluginDescriptor`` (for instance, built against another copy of the kit).
    public func descriptor() throws(DynamicLibraryError) -> any PluginDescriptor {
        let address = try address(of: PluginEntryPoint.symbol)
        let entry = unsafeBitCast(address, to: PluginEntryPoint.Function.self)
        let object = Unmanaged<AnyObject>.fromOpaque(entry()).takeRetainedValue()
        guard let descriptor = object as? any PluginDescriptor else {
            throw .notADescriptor(path: path, type: String(reflecting: type(of: object)))
        }
        return descriptor
    }

    private static func lastError() -> String {
        guard let message = dlerror() else { return "unknown dlopen error" }
        return String(cString: message)
    }
}

/// Why a shared object could not be used.
public enum DynamicLibraryError: Error, Equatable, CustomStringConvertible {
    case openFailed(path: String, message: String)
    case missingSymbol(path: String, symbol: String)
    case notADescriptor(path: String, type: String)

    public var description: String {
        switch self {
        case .openFailed(let path, let message): "cannot load \(path): \(message)"
        case .missingSymbol(let path, let symbol): "\(path) has no entry point \(symbol)"
        case .notADescriptor(let path, let type):
            "\(path): entry point returned \(type), not a plugin descriptor (built against another kit?)"
        }
    }
}
