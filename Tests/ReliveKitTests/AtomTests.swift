import Testing
import ReliveKit

/// Atoms are interned: one name, one atom, however and wherever it is made.
struct AtomTests {
    @Test func interningGivesEqualAtomsAcrossCalls() {
        let a = Atom("atom_tests_interned")
        let b = Atom("atom_tests_" + "interned")
        let c: Atom = "atom_tests_interned"
        #expect(a == b && b == c)
        #expect(a.index == b.index)
        #expect(a.name == "atom_tests_interned")
        #expect(Atom("atom_tests_other") != a)
    }

    @Test func existingFindsOnlyInternedAtoms() {
        let name = "atom_tests_never_made_\(UInt64.random(in: 0...UInt64.max))"
        #expect(Atom.existing(name) == nil)
        let made = Atom(name)
        #expect(Atom.existing(name) == made)
    }

    @Test func validatingRejectsNamesPast255Bytes() {
        let max = String(repeating: "x", count: 255)
        #expect(Atom(validating: max)?.name == max)
        #expect(Atom(validating: max + "x") == nil)
        // The limit is in UTF-8 bytes, not characters: 128 × "é" is 256 bytes.
        #expect(Atom(validating: String(repeating: "é", count: 127))?.name.utf8.count == 254)
        #expect(Atom(validating: String(repeating: "é", count: 128)) == nil)
        #expect(Atom.existing(max + "x") == nil)                 // and makes no atom
    }

    @Test func concurrentInterningOfTheSameNamesGivesOneAtomEach() async {
        let names = (0..<200).map { "atom_tests_concurrent_\($0)" }
        let results = await withTaskGroup(of: [Atom].self) { group in
            for task in 0..<16 {
                group.addTask {
                    // Each task interns every name, in its own order.
                    let order = task.isMultiple(of: 2) ? names : names.reversed()
                    let atoms = order.map { Atom($0) }
                    return task.isMultiple(of: 2) ? atoms : atoms.reversed()
                }
            }
            var all: [[Atom]] = []
            for await atoms in group { all.append(atoms) }
            return all
        }
        #expect(results.count == 16)
        for atoms in results {
            #expect(atoms == results[0])
        }
        #expect(Set(results[0]).count == names.count)            // distinct names, distinct atoms
        #expect(results[0].map(\.name) == names)
    }

    @Test func atomsAreKeyedByTheirUTF8BytesNotByCanonicalEquality() {
        // "e" + combining acute and the precomposed "é" are equal Strings but
        // different byte sequences: two atoms, as in Erlang.
        let decomposed = Atom("atom_tests_e\u{301}")
        let precomposed = Atom("atom_tests_\u{e9}")
        #expect(decomposed != precomposed)
        #expect(Array(decomposed.name.utf8) == Array("atom_tests_e\u{301}".utf8))
        #expect(Array(precomposed.name.utf8) == Array("atom_tests_\u{e9}".utf8))
        #expect(Atom(validating: "atom_tests_e\u{301}") == decomposed)
        #expect(Atom.existing("atom_tests_\u{e9}") == precomposed)
    }

    @Test func theRuntimeReserveIsKeptOutOfTheExternalBudget() {
        #expect(Atom.externalLimit == Atom.tableLimit - Atom.runtimeReserve)
        #expect(Atom.runtimeReserve > 0)
        #expect(!Atom.isExternalBudgetSpent)
    }

    @Test func predefinedAtomsHaveTheirNames() {
        #expect(Atom.ok.name == "ok")
        #expect(Atom.true.name == "true")
        #expect(Atom.undefined == Atom("undefined"))
        #expect(Atom.down.name == "DOWN")
    }
}
