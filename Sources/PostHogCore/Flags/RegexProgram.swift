/// A ``RegexNode`` compiled to an NFA program and run as a Pike VM: every state is tracked at once,
/// so matching takes time proportional to (value length × program size) and never backtracks.
///
/// Only whether a match exists is computed (Python `re.search(...) is not None`), so greediness
/// and captures do not matter.
struct RegexProgram: Sendable {
    private enum Instruction: Sendable {
        case literal(UInt32)
        case anyExceptNewline
        case set(Int)
        case assertStart
        case assertEnd
        case split(Int, Int)
        case jump(Int)
        case match
    }

    /// Programs larger than this (from huge `{n,m}` counts) are not built; the filter defers.
    static let maximumSize = 20_000

    private let instructions: [Instruction]
    private let sets: [RegexCharacterSet]

    /// Compiles `node`, or returns `nil` when the program would exceed ``maximumSize``.
    init?(_ node: RegexNode) {
        var builder = Builder()
        guard builder.emit(node) else { return nil }
        builder.instructions.append(.match)
        instructions = builder.instructions
        sets = builder.sets
    }

    private struct Builder {
        var instructions: [Instruction] = []
        var sets: [RegexCharacterSet] = []

        mutating func emit(_ node: RegexNode) -> Bool {
            guard instructions.count < RegexProgram.maximumSize else { return false }
            switch node {
            case .literal(let c): instructions.append(.literal(c))
            case .anyExceptNewline: instructions.append(.anyExceptNewline)
            case .set(let set):
                sets.append(set)
                instructions.append(.set(sets.count - 1))
            case .start: instructions.append(.assertStart)
            case .end: instructions.append(.assertEnd)
            case .sequence(let nodes):
                for node in nodes { guard emit(node) else { return false } }
            case .alternation(let branches):
                // split(first, next); first; jump(end); next: split(second, next2); ... last
                var jumpsToEnd: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = instructions.count
                        instructions.append(.split(split + 1, -1))
                        guard emit(branch) else { return false }
                        jumpsToEnd.append(instructions.count)
                        instructions.append(.jump(-1))
                        instructions[split] = .split(split + 1, instructions.count)
                    } else {
                        guard emit(branch) else { return false }
                    }
                }
                for jump in jumpsToEnd { instructions[jump] = .jump(instructions.count) }
            case .repetition(let body, let min, let max):
                for _ in 0..<min { guard emit(body) else { return false } }
                if let max {
                    // Each optional copy may be skipped to the end.
                    var splits: [Int] = []
                    for _ in min..<Swift.max(min, max) {
                        splits.append(instructions.count)
                        instructions.append(.split(instructions.count + 1, -1))
                        guard emit(body) else { return false }
                    }
                    for split in splits { instructions[split] = .split(split + 1, instructions.count) }
                } else {
                    let loop = instructions.count
                    instructions.append(.split(loop + 1, -1))
                    guard emit(body) else { return false }
                    instructions.append(.jump(loop))
                    instructions[loop] = .split(loop + 1, instructions.count)
                }
            }
            return instructions.count < RegexProgram.maximumSize
        }
    }

    /// Whether the pattern matches anywhere in `text` (code point by code point).
    func search(_ text: String) -> Bool {
        let length = text.utf8.allSatisfy({ $0 < 0x80 }) ? text.utf8.count : text.unicodeScalars.count
        let size = instructions.count
        // Two thread lists, a "seen at this position" mark per instruction, and a work stack.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 5 * size + 8) { memory in
            let base = memory.baseAddress!
            var current = UnsafeMutableBufferPointer(start: base, count: size)
            var next = UnsafeMutableBufferPointer(start: base + size, count: size)
            let marks = UnsafeMutableBufferPointer(start: base + 2 * size, count: size)
            // Each instruction is expanded once per position and pushes at most two more.
            let stack = UnsafeMutableBufferPointer(start: base + 3 * size, count: 2 * size + 8)
            marks.initialize(repeating: -1)
            var currentCount = 0
            var nextCount = 0

            /// Adds `pc` and everything reachable from it without consuming input at `position`;
            /// returns true when that reaches `match`.
            func add(_ pc: Int, to list: UnsafeMutableBufferPointer<Int>, count: inout Int, position: Int) -> Bool {
                var top = 0
                stack[top] = pc
                top += 1
                while top > 0 {
                    top -= 1
                    let pc = stack[top]
                    if marks[pc] == position { continue }
                    marks[pc] = position
                    switch instructions[pc] {
                    case .match:
                        return true
                    case .jump(let target):
                        stack[top] = target
                        top += 1
                    case .split(let first, let second):
                        stack[top] = second
                        stack[top + 1] = first
                        top += 2
                    case .assertStart:
                        if position == 0 {
                            stack[top] = pc + 1
                            top += 1
                        }
                    case .assertEnd:
                        if position == length {
                            stack[top] = pc + 1
                            top += 1
                        }
                    case .literal, .anyExceptNewline, .set:
                        list[count] = pc
                        count += 1
                    }
                }
                return false
            }

            var position = 0
            if add(0, to: current, count: &currentCount, position: 0) { return true }
            for scalar in text.unicodeScalars {
                let c = scalar.value
                nextCount = 0
                for index in 0..<currentCount {
                    let pc = current[index]
                    let accepts: Bool
                    switch instructions[pc] {
                    case .literal(let expected): accepts = c == expected
                    case .anyExceptNewline: accepts = c != 0x0A
                    case .set(let set): accepts = sets[set].contains(c)
                    default: accepts = false
                    }
                    if accepts, add(pc + 1, to: next, count: &nextCount, position: position + 1) { return true }
                }
                position += 1
                // An unanchored search may also start here.
                if add(0, to: next, count: &nextCount, position: position) { return true }
                swap(&current, &next)
                currentCount = nextCount
            }
            return false
        }
    }
}
