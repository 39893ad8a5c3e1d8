import Foundation
import Glibc
import Testing
@_spi(Testing) import ReliveSystem

@Suite(.serialized)
struct AtomicFileTests {
    let directory: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "relive-system-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError(operation: "mkdtemp", path: nil, errno: errno) }
        directory = String(cString: made)
    }

    private func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func writeReplacesTheWholeFileWithTheAskedMode() throws {
        let path = directory + "/RELEASES"
        try AtomicFile.write("old", to: path)
        try AtomicFile.write("new content", to: path, permissions: 0o600)
        #expect(try AtomicFile.read(path, limit: 100) == Array("new content".utf8))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try contents() == ["RELEASES"])
    }

    @Test(arguments: ["open", "write", "fchmod", "fsync", "rename"])
    func aFailureAtAnyStepLeavesTheOldFileAndNoTemporary(operation: String) throws {
        let path = directory + "/RELEASES"
        try AtomicFile.write("old", to: path)
        let error = #expect(throws: SystemError.self) {
            try SystemFaults.with(SystemFault(operation: operation, pathContains: "RELEASES", errno: ENOSPC)) {
                try AtomicFile.write("new", to: path)
            }
        }
        #expect(error?.operation == operation)
        #expect(error?.errno == ENOSPC)
        #expect(error?.description.contains("RELEASES") == true)
        #expect(error?.description.contains("No space left on device") == true)
        #expect(try AtomicFile.read(path, limit: 100) == Array("old".utf8))
        #expect(try contents() == ["RELEASES"])
    }

    @Test func aFailedDirectorySyncIsReportedAfterTheRename() throws {
        let path = directory + "/start_erl.data"
        let error = #expect(throws: SystemError.self) {
            try SystemFaults.with(SystemFault(operation: "fsync", skip: 1)) {
                try AtomicFile.write("1 counter_system", to: path)
            }
        }
        #expect(error?.path == directory)
    }

    @Test func readRefusesLargeFilesSymlinksAndNonRegularFiles() throws {
        let path = directory + "/big"
        try AtomicFile.write([UInt8](repeating: 65, count: 1000), to: path)
        #expect(throws: SystemError(operation: "read", path: path, errno: EFBIG)) { try AtomicFile.read(path, limit: 999) }
        #expect(try AtomicFile.read(path, limit: 1000).count == 1000)
        let link = directory + "/link"
        #expect(symlink(path, link) == 0)
        #expect(throws: SystemError(operation: "open", path: link, errno: ELOOP)) { try AtomicFile.read(link, limit: 1000) }
        #expect(throws: SystemError(operation: "read", path: directory, errno: EINVAL)) { _ = try AtomicFile.read(directory, limit: 10) }
    }
}
