import Foundation
import ReliveKit
import ReliveReleases
import Testing

/// A term file cannot exhaust the atom table: atoms from files stop at
/// `Atom.externalLimit` with an error naming the file, and the runtime's own
/// atoms still work after. Run in a child process (an exit test), because it
/// fills the one process-wide table for good.
@Suite struct AtomBudgetTests {
    @Test func termFilesCannotFillTheAtomTable() async {
        await #expect(processExitsWith: .success) {
            // An atom that exists before the table fills (a fresh process has
            // made few: even `ok` is made on first use).
            _ = Atom("atom_budget_known")
            // Fill the budget for outside atoms, most of it directly (fast),
            // then let a file ask for more.
            var i = 0
            while !Atom.isExternalBudgetSpent {
                guard Atom(validating: "atom_budget_fill_\(i)") != nil else { exit(10) }
                i += 1
            }
            guard Atom(validating: "atom_budget_one_more") == nil else { exit(11) }
            // A file with a new atom is refused, naming the file and the atom.
            do {
                _ = try TermFile.parse("{atom_budget_known, atom_budget_new_app}.", file: "hostile/sys.config")
                exit(12)
            } catch let error as TermFileError {
                guard error.file == "hostile/sys.config", error.position == SourcePosition(line: 1, column: 21),
                      error.message.contains("budget"), error.message.contains("atom_budget_new_app")
                else { exit(13) }
            } catch {
                exit(16)
            }
            // Atoms that exist still read (the file changes nothing else).
            guard (try? TermFile.parse("{atom_budget_fill_0, atom_budget_known}.", file: "f.config")) != nil else { exit(14) }
            // The runtime's own atoms are still made, from the kept reserve: no trap.
            for j in 0..<1000 {
                guard Atom("atom_budget_runtime_\(j)").name == "atom_budget_runtime_\(j)" else { exit(15) }
            }
            exit(0)
        }
    }
}
