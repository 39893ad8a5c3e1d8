import Glibc
import Synchronization

/// A system call made to fail on purpose, for tests (swift-system's
/// `Mocking.swift` pattern): the layer's one syscall wrapper consults the
/// installed faults before every call.
@_spi(Testing) public struct SystemFault: Sendable {
    /// The operation to fail (`write`, `fsync`, `rename`, …).
    public var operation: String
    /// Only calls whose path contains this text; nil for every path.
    public var pathContains: String?
    /// The errno the failed call reports.
    public var errno: Int32
    /// How many matching calls succeed before the first failure.
    public var skip: Int
    /// How many matching calls fail.
    public var count: Int

    public init(operation: String, pathContains: String? = nil, errno: Int32 = EIO, skip: Int = 0, count: Int = 1) {
        self.operation = operation
        self.pathContains = pathContains
        self.errno = errno
        self.skip = skip
        self.count = count
    }
}

/// The faults in force (process-wide: tests that use them run serially).
@_spi(Testing) public enum SystemFaults {
    private static let installed = Mutex<[SystemFault]>([])

    /// Runs `body` with `fault` installed, and removes it afterwards.
    public static func with<T>(_ fault: SystemFault, _ body: () async throws -> T) async rethrows -> T {
        install(fault)
        defer { removeAll() }
        return try await body()
    }

    /// Runs `body` with `fault` installed, and removes it afterwards.
    public static func with<T>(_ fault: SystemFault, _ body: () throws -> T) rethrows -> T {
        install(fault)
        defer { removeAll() }
        return try body()
    }

    /// Installs `fault` until ``removeAll()``.
    public static func install(_ fault: SystemFault) { installed.withLock { $0.append(fault) } }

    /// Removes every installed fault.
    public static func removeAll() { installed.withLock { $0.removeAll() } }

    /// The errno to fail this call with, or nil to make it for real.
    static func injected(_ operation: String, path: String?) -> Int32? {
        installed.withLock { faults -> Int32? in
            for index in faults.indices where faults[index].operation == operation && faults[index].count > 0 {
                if let needle = faults[index].pathContains, !(path ?? "").contains(needle) { continue }
                if faults[index].skip > 0 {
                    faults[index].skip -= 1
                    continue
                }
                faults[index].count -= 1
                return faults[index].errno
            }
            return nil
        }
    }
}
