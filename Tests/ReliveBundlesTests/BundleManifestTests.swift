import Crypto
import PropertyBased
import Testing
@testable import ReliveBundles

@Suite("Manifest format and path rules")
struct BundleManifestTests {
    static let sampleText = """
        relive-bundle-manifest 1
        release demo 2.0.0
        \(String(repeating: "a", count: 64))  12  0755  lib/counter-2.0.0/counter-2.0.0.so
        \(String(repeating: "b", count: 64))  0  0644  releases/demo.rel

        """

    @Test("render and parse are inverse, and there is exactly one spelling")
    func roundTrip() throws {
        let manifest = try BundleManifest(parsing: Array(Self.sampleText.utf8))
        #expect(manifest.releaseName == "demo" && manifest.releaseVersion == "2.0.0")
        #expect(manifest.entries.map(\.path) == ["lib/counter-2.0.0/counter-2.0.0.so", "releases/demo.rel"])
        #expect(manifest.entries[0].isExecutable && manifest.entries[0].size == 12)
        #expect(manifest.render() == Array(Self.sampleText.utf8))
    }

    @Test("random byte edits of a manifest parse to something that renders back to the same bytes, or throw a refusal")
    func canonicalUnderMutation() async {
        let base = Array(Self.sampleText.utf8)
        let edits = PropertyBased.zip(Gen.int(in: 0..<base.count), Gen.uint8(in: 0...255)).array(of: 1...3)
        await propertyCheck(count: 400, input: edits) { edits in
            var bytes = base
            for (offset, value) in edits { bytes[offset] = value }
            do {
                let manifest = try BundleManifest(parsing: bytes)
                #expect(manifest.render() == bytes)
            } catch let error as BundleError {
                #expect(error.kind == .refused)
                #expect(error.entry != nil)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("manifests built from random valid entries round-trip")
    func builtRoundTrip() async {
        let names = Gen.letterOrNumber.string(of: 1...12)
        let entry = PropertyBased.zip(names, names, Gen.int64(in: 0...1 << 40), Gen.bool)
        await propertyCheck(count: 200, input: entry.array(of: 0...20)) { raw in
            var seen = Set<String>()
            let entries = raw.compactMap { app, file, size, executable -> BundleManifestEntry? in
                let path = "lib/\(app)-1.0/\(file).bin"
                guard seen.insert(path).inserted else { return nil }
                return BundleManifestEntry(path: path, size: size, sha256: SHA256.hash(data: Array(path.utf8)).hexString, isExecutable: executable)
            }
            do {
                let manifest = try BundleManifest(releaseName: "demo", releaseVersion: "1.0", entries: entries)
                #expect(try BundleManifest(parsing: manifest.render()) == manifest)
            } catch {
                Issue.record("valid entries refused: \(error)")
            }
        }
    }

    @Test("every path the rules accept is relative, inside lib/ or releases/, with no '.', '..' or empty component")
    func pathRules() async {
        let alphabet: [UInt8] = Array("/./..ab".utf8) + [0, 0x0a, 0x20, 0x5c, 0xff]
        let byte = Gen<UInt8?>.element(of: alphabet).map { $0 ?? UInt8(ascii: "a") }
        // Half the prefixes are the allowed top-level directories, so plenty
        // of paths get through and the property has something to check.
        let prefix = Gen<String?>.element(of: ["lib/", "releases/", "lib/a-1/", "", "/", "../", "lib/../"]).map { $0 ?? "" }
        await propertyCheck(count: 1000, input: prefix, byte.array(of: 0...16), Gen.bool) { prefix, tail, isDirectory in
            let bytes = Array(prefix.utf8) + tail
            guard let path = try? BundlePath.validate(bytes, isDirectory: isDirectory, kind: .refused) else { return }
            #expect(!["/", "../", "lib/../", ""].contains(prefix), "\(path)")
            let components = path.split(separator: "/", omittingEmptySubsequences: false)
            #expect(!path.hasPrefix("/"))
            #expect(components.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }, "\(path)")
            #expect(components.first == "lib" || components.first == "releases", "\(path)")
            #expect(path.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != 0x5c }, "\(path)")
        }
        // And the accepting side is not empty.
        #expect((try? BundlePath.validate(Array("lib/a-1/ab".utf8), isDirectory: false, kind: .refused)) == "lib/a-1/ab")
        #expect((try? BundlePath.validate(Array("releases/".utf8), isDirectory: true, kind: .refused)) == "releases")
    }

    @Test("hand-picked malformed manifests are refused, naming the line", arguments: [
        ("", "newline"),
        ("relive-bundle-manifest 2\nrelease a 1\n", "line 1"),
        ("relive-bundle-manifest 1\nrelease a\n", "line 2"),
        ("relive-bundle-manifest 1\nrelease a 1\n\(String(repeating: "A", count: 64))  1  0644  lib/x\n", "line 3: sha256"),
        ("relive-bundle-manifest 1\nrelease a 1\n\(String(repeating: "a", count: 64))  01  0644  lib/x\n", "line 3: size"),
        ("relive-bundle-manifest 1\nrelease a 1\n\(String(repeating: "a", count: 64))  1  0600  lib/x\n", "line 3: mode"),
        ("relive-bundle-manifest 1\nrelease a 1\n\(String(repeating: "a", count: 64)) 1 0644 lib/x\n", "line 3: expected"),
        ("relive-bundle-manifest 1\nrelease a 1\n\(String(repeating: "a", count: 64))  1  0644  ../x\n", "'..'"),
        ("relive-bundle-manifest 1\nrelease a/b 1\n", "release name"),
        ("relive-bundle-manifest 1\r\nrelease a 1\n", "0xd"),
    ])
    func malformed(text: String, message: String) {
        #expect {
            try BundleManifest(parsing: Array(text.utf8))
        } throws: { error in
            (error as? BundleError).map { $0.kind == .refused && $0.description.contains(message) } ?? false
        }
    }
}
