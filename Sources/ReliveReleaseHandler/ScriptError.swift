import ReliveKit

/// Why a relup script was refused by the checker or failed in the
/// evaluator. As data: an OTP-style kind (`bad_instruction`,
/// `code_change_failed`, ...), a message naming what and where, the
/// instruction (its position and text), the processes at fault, and, for a
/// failure during evaluation, how the rollback went. After any of them the
/// node is on the release it was on before.
public struct ScriptError: Error, Sendable, CustomStringConvertible {
    public let kind: String
    public let message: String
    /// The instruction's position in the script, and the instruction as written.
    public let index: Int?
    public let instruction: String?
    public let processes: [ProcessFailure]
    /// Set when the evaluator rolled back.
    public var rollback: RollbackReport? = nil

    public init(_ kind: String, _ message: String, index: Int? = nil, instruction: String? = nil,
                processes: [ProcessFailure] = []) {
        self.kind = kind
        self.message = message
        self.index = index
        self.instruction = instruction
        self.processes = processes
    }

    public var description: String {
        var text = "\(kind): \(message)"
        if let index, let instruction { text += " (instruction \(index): \(instruction))" }
        if !processes.isEmpty { text += "; " + processes.prefix(3).map(\.description).joined(separator: "; ") }
        if let rollback, !rollback.isClean {
            text += "; rollback incomplete: \(rollback.unreverted.count) not reverted, \(rollback.unresumed.count) not resumed"
        }
        return text
    }
}
