import ReliveKit

/// The module instructions of a script linked by their DepMods: an edge from
/// each instruction's module to each module it depends on.
///
/// Answers, for one module, every instruction of its (weakly) connected group
/// in dependency order: dependents before the modules they depend on;
/// instructions in a cycle keep their script order. Where the order is not
/// fixed by the edges (two independent dependencies), script order decides —
/// systools leaves that to its ETS hash order (see docs/releases.md).
struct DependencyGraph {
    struct Node {
        var module: Atom
        var instruction: Term
        var edges: [Int] = []
    }

    private(set) var nodes: [Node] = []
    private var index: [Atom: Int] = [:]
    private var component: [Int] = []

    static let dependentTags: Set<String> = ["update", "load_module", "add_module", "delete_module"]

    static func isDependent(_ i: Term) -> Bool {
        guard let tag = i.tag, let n = i.arity, n > 1 else { return false }
        return dependentTags.contains(tag)
    }

    /// - Throws: `muldef_module` when two instructions name one module,
    ///   `undef_module` when a DepMods entry names a module no instruction does.
    init(_ script: [Term]) throws(RelupError) {
        for i in script where DependencyGraph.isDependent(i) {
            guard case .atom(let mod) = i.at(1) else { continue }  // the syntax check ran before
            if index[mod] != nil {
                throw RelupError("muldef_module", .atom(mod), message: "module \(mod.name) has more than one instruction")
            }
            index[mod] = nodes.count
            nodes.append(Node(module: mod, instruction: i))
        }
        for n in nodes.indices {
            guard case .tuple(let e) = nodes[n].instruction, let last = e.last else { continue }
            for dep in last.erlangList ?? [] {
                guard case .atom(let d) = dep, let target = index[d] else {
                    throw RelupError("undef_module", dep, message: "\(dep) is named in DepMods of \(nodes[n].module.name) but has no instruction")
                }
                nodes[n].edges.append(target)
            }
        }
        // Weakly connected components by union-find.
        var parent = Array(nodes.indices)
        func root(_ x: Int) -> Int {
            var r = x
            while parent[r] != r { r = parent[r] }
            var y = x
            while parent[y] != r { let next = parent[y]; parent[y] = r; y = next }
            return r
        }
        for n in nodes.indices {
            for m in nodes[n].edges { parent[root(n)] = root(m) }
        }
        component = nodes.indices.map { root($0) }
    }

    /// The instructions of the group of `module`, in dependency order.
    func group(of module: Atom) throws(RelupError) -> [Term] {
        guard let start = index[module] else {
            throw RelupError("undef_module", .atom(module), message: "module \(module.name) has no instruction")
        }
        let members = nodes.indices.filter { component[$0] == component[start] }
        let sccs = stronglyConnected(members)
        // Condensation edges between components, then Kahn's order choosing the
        // component whose first instruction comes first.
        var sccOf: [Int: Int] = [:]
        for (c, scc) in sccs.enumerated() { for n in scc { sccOf[n] = c } }
        var successors = Array(repeating: Set<Int>(), count: sccs.count)
        var indegree = Array(repeating: 0, count: sccs.count)
        for n in members {
            for m in nodes[n].edges {
                guard let a = sccOf[n], let b = sccOf[m], a != b, !successors[a].contains(b) else { continue }
                successors[a].insert(b)
                indegree[b] += 1
            }
        }
        let firstIndex = sccs.map { $0.min() ?? 0 }
        var ready = sccs.indices.filter { indegree[$0] == 0 }
        var order: [Term] = []
        while !ready.isEmpty {
            ready.sort { firstIndex[$0] < firstIndex[$1] }
            let c = ready.removeFirst()
            order += sccs[c].sorted().map { nodes[$0].instruction }
            for s in successors[c] {
                indegree[s] -= 1
                if indegree[s] == 0 { ready.append(s) }
            }
        }
        return order
    }

    /// Tarjan's strongly connected components of the sub-graph `members`
    /// (iterative, so a long DepMods chain cannot exhaust the stack).
    private func stronglyConnected(_ members: [Int]) -> [[Int]] {
        let memberSet = Set(members)
        var indexOf: [Int: Int] = [:], low: [Int: Int] = [:]
        var onStack = Set<Int>(), stack: [Int] = [], result: [[Int]] = []
        var counter = 0
        for root in members where indexOf[root] == nil {
            var work: [(node: Int, edge: Int)] = [(root, 0)]
            indexOf[root] = counter; low[root] = counter; counter += 1
            stack.append(root); onStack.insert(root)
            while let (v, e) = work.last {
                let edges = nodes[v].edges.filter { memberSet.contains($0) }
                if e < edges.count {
                    work[work.count - 1].edge += 1
                    let w = edges[e]
                    if indexOf[w] == nil {
                        indexOf[w] = counter; low[w] = counter; counter += 1
                        stack.append(w); onStack.insert(w)
                        work.append((w, 0))
                    } else if onStack.contains(w) {
                        low[v] = min(low[v] ?? 0, indexOf[w] ?? 0)
                    }
                } else {
                    work.removeLast()
                    if let parent = work.last?.node { low[parent] = min(low[parent] ?? 0, low[v] ?? 0) }
                    if low[v] == indexOf[v] {
                        var scc: [Int] = []
                        while let w = stack.popLast() {
                            onStack.remove(w)
                            scc.append(w)
                            if w == v { break }
                        }
                        result.append(scc)
                    }
                }
            }
        }
        return result
    }
}
