import ReliveKit

extension Relup.Entry {
    /// The instructions, typed.
    ///
    /// - Throws: ``RelupError`` `bad_instruction` for the first one that is not a low-level instruction.
    public func typedInstructions() throws(RelupError) -> [RelupInstruction] {
        var out: [RelupInstruction] = []
        for i in instructions { out.append(try RelupInstruction(term: i)) }
        return out
    }
}
