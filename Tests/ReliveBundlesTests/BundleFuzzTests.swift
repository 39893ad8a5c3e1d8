import Crypto
import Foundation
import Glibc
import Testing
@testable import ReliveBundles

@Suite("Fuzzing unpack with mutated bundles")
struct BundleFuzzTests {
    /// One way of damaging a bundle.
    enum Mutation: CaseIterable {
        case none, flipBytes, truncate, splice, insert, delete, copyTarBlock, appendGarbage
    }

    static func mutate(_ bytes: [UInt8], _ mutation: Mutation, _ random: inout SeededRandom) -> [UInt8] {
        var result = bytes
        func offset(_ limit: Int) -> Int { limit <= 0 ? 0 : Int.random(in: 0..<limit, using: &random) }
        switch mutation {
        case .none:
            break
        case .flipBytes:
            for _ in 0..<Int.random(in: 1...4, using: &random) where !result.isEmpty {
                result[offset(result.count)] ^= UInt8.random(in: 1...255, using: &random)
            }
        case .truncate:
            result = Array(result.prefix(offset(result.count)))
        case .splice:
            let length = Int.random(in: 1...1024, using: &random)
            let from = offset(result.count - length), to = offset(result.count - length)
            if result.count > length {
                let chunk = Array(result[from..<from + length])
                result.replaceSubrange(to..<to + length, with: chunk)
            }
        case .insert:
            result.insert(contentsOf: random.bytes(Int.random(in: 1...600, using: &random)), at: offset(result.count + 1))
        case .delete:
            let start = offset(result.count)
            let end = min(result.count, start + Int.random(in: 1...600, using: &random))
            result.removeSubrange(start..<end)
        case .copyTarBlock:
            // For uncompressed tars: duplicate or move whole 512-byte blocks,
            // which keeps header checksums valid and so reaches deeper checks.
            let blocks = result.count / 512
            if blocks > 1 {
                let from = offset(blocks) * 512, to = offset(blocks) * 512
                let block = Array(result[from..<from + 512])
                if Bool.random(using: &random) {
                    result.replaceSubrange(to..<to + 512, with: block)
                } else {
                    result.insert(contentsOf: block, at: to)
                }
            }
        case .appendGarbage:
            result += random.bytes(Int.random(in: 1...2048, using: &random))
        }
        return result
    }

    @Test("every mutated bundle unpacks to the verified original or throws a BundleError; no stray file, no leftover", arguments: [BundleCompression.none, .gzip])
    func mutatedBundles(compression: BundleCompression) throws {
        let directory = try TemporaryDirectory()
        let fixture = try ReleaseFixture(in: directory, pluginSize: 4000)
        let key = Curve25519.Signing.PrivateKey()
        var builder = fixture.builder(compression: compression)
        builder.signingKey = key
        try builder.build(to: directory.url("valid.bundle"))
        let valid = Array(try #require(FileManager.default.contents(atPath: directory.url("valid.bundle"))))
        let sandbox = try TemporaryDirectory()
        var expected = fixture.contents
        expected["releases/\(fixture.version)/MANIFEST"] = try BundleManifest(
            releaseName: fixture.name, releaseVersion: fixture.version,
            entries: fixture.contents.map { BundleManifestEntry(
                path: $0.key, size: Int64($0.value.count), sha256: SHA256.hash(data: $0.value).hexString,
                isExecutable: fixture.executables.contains($0.key)
            ) }
        ).render()

        var random = SeededRandom(seed: compression == .gzip ? 0x5eed_0001 : 0x5eed_0002)
        var outcomes: [Bool: Int] = [:]
        // A fixed count with a fixed seed: every run, on any machine, tries the
        // same sequence of mutated bundles (no time budget to cover less under load).
        let iterations = 200
        for iteration in 0..<iterations {
            let mutation = Mutation.allCases[Int.random(in: 0..<Mutation.allCases.count, using: &random)]
            let mutated = Self.mutate(valid, mutation, &random)
            let trial = sandbox.url("\(iteration)")
            try FileManager.default.createDirectory(atPath: trial, withIntermediateDirectories: false)
            try Data(mutated).write(to: URL(fileURLWithPath: "\(trial)/b.bundle"))
            let existingRoot = iteration % 2 == 0
            if existingRoot {
                try FileManager.default.createDirectory(atPath: "\(trial)/root/lib/old-1", withIntermediateDirectories: true)
                try Data("old".utf8).write(to: URL(fileURLWithPath: "\(trial)/root/lib/old-1/keep"))
            }
            let before = TreeSnapshot.take(trial)
            let policy: BundleSignaturePolicy = iteration % 3 == 0 ? .ignore : .require(key.publicKey)
            let unpacker = BundleUnpacker(signaturePolicy: policy, synchronizes: false)
            let context = "iteration \(iteration), \(mutation), \(mutated.count) bytes"

            var verified = true
            do {
                _ = try BundleVerifier(signaturePolicy: policy).verify(bundleAt: "\(trial)/b.bundle")
            } catch is BundleError {
                verified = false
            }
            do {
                try unpacker.unpack(bundleAt: "\(trial)/b.bundle", into: "\(trial)/root")
                outcomes[true, default: 0] += 1
                #expect(verified, "unpack succeeded where verify failed: \(context)")
                var installed: [String: [UInt8]] = [:]
                for (path, _) in TreeSnapshot.take("\(trial)/root") where !path.hasPrefix("lib/old-1") {
                    if let data = FileManager.default.contents(atPath: "\(trial)/root/\(path)"), !isDirectory("\(trial)/root/\(path)") {
                        installed[path] = Array(data)
                    }
                }
                installed["releases/\(fixture.version)/MANIFEST.sig"] = nil
                #expect(installed == expected, "\(context)")
            } catch let error as BundleError {
                outcomes[false, default: 0] += 1
                #expect(!verified || error.kind == .io, "verify passed where unpack failed: \(context): \(error)")
                #expect(TreeSnapshot.take(trial) == before, "\(context): \(error)")
            }
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: trial)) ?? []
            #expect(Set(leftovers).isSubset(of: ["b.bundle", "root"]), "\(context): \(leftovers)")
            try FileManager.default.removeItem(atPath: trial)
        }
        // Nothing ever landed beside the trial directories.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.path).isEmpty)
        #expect((outcomes[true] ?? 0) > 0)
        #expect((outcomes[false] ?? 0) > iterations / 2)
        print("fuzz \(compression): \(iterations) mutated bundles, \(outcomes[true] ?? 0) unpacked intact, \(outcomes[false] ?? 0) refused")
    }

    private func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
