import Foundation
import Glibc
import Testing
@_spi(Testing) import ReliveSystem

@Suite(.serialized)
struct OpenFileTests {
    let directory: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "relive-openfile-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError(operation: "mkdtemp", path: nil, errno: errno) }
        directory = String(cString: made)
    }

    @Test func directoriesAreWalkedWithoutFollowingLinks() throws {
        let root = try OpenFile.openDirectory(directory)
        let made = try root.openDirectoryAt("a/b", creating: 0o700)
        var info = try made.status()
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(symlink(directory + "/a", directory + "/link") == 0)
        let error = #expect(throws: SystemError.self) { _ = try root.openDirectoryAt("link/b") }
        #expect(error?.operation == "open")
        #expect(error?.path == directory + "/link")
        #expect(error?.errno == ENOTDIR || error?.errno == ELOOP)
        #expect(throws: SystemError.self) { _ = try OpenFile.openDirectory(directory + "/link") }
        info = try #require(try root.linkStatus(of: "link"))
        #expect(info.st_mode & S_IFMT == S_IFLNK)
        #expect(try root.linkStatus(of: "missing") == nil)
    }

    @Test func renameNoReplaceNeverReplaces() throws {
        let root = try OpenFile.openDirectory(directory)
        try AtomicFile.write("one", to: directory + "/one")
        try AtomicFile.write("two", to: directory + "/two")
        #expect(throws: SystemError.self) { try OpenFile.renameNoReplace("one", in: root, to: "two", in: root) }
        #expect(try AtomicFile.read(directory + "/two", limit: 10) == Array("two".utf8))
        try OpenFile.renameNoReplace("one", in: root, to: "three", in: root)
        #expect(try AtomicFile.read(directory + "/three", limit: 10) == Array("one".utf8))
        try OpenFile.rename("three", in: root, to: "two", in: root)
        #expect(try AtomicFile.read(directory + "/two", limit: 10) == Array("one".utf8))
    }

    @Test func faultsNameTheOperationAndSkipAndCountAsAsked() throws {
        let root = try OpenFile.openDirectory(directory)
        try SystemFaults.with(SystemFault(operation: "syncfs", errno: EIO, skip: 1, count: 2)) {
            try root.syncFileSystem()
            let first = #expect(throws: SystemError.self) { try root.syncFileSystem() }
            #expect(first?.description == "syncfs \(directory): Input/output error (errno 5)")
            #expect(throws: SystemError.self) { try root.syncFileSystem() }
            try root.syncFileSystem()
        }
        try root.syncFileSystem()
    }
}
