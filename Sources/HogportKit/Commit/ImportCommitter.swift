/// The commit stage: writes what the ``CommitLedger`` releases to the checkpoint (after flushing
/// the rejects that belong to it, so a crash never loses a reject line) and remembers the device
/// links of committed rows.
final class ImportCommitter {
    let store: CheckpointStore?
    let rejects: RejectsWriter?
    let identities: [FileIdentity]
    private(set) var progress: [Int: FileProgress]
    /// Links of rows not committed yet, by row sequence number (ascending).
    private var pendingLinks: [(sequence: Int, links: [DeviceLink])] = []

    init(store: CheckpointStore?, rejects: RejectsWriter?, identities: [FileIdentity], recorded: [Int: FileProgress]) {
        self.store = store
        self.rejects = rejects
        self.identities = identities
        progress = recorded
    }

    /// Remembers the new links of row `sequence`, stored when the row is committed.
    func hold(_ links: [DeviceLink], for sequence: Int) {
        guard store != nil, !links.isEmpty else { return }
        pendingLinks.append((sequence, links))
    }

    /// Drops a link whose `$create_alias` the server refused (so the next row with it sends it
    /// again); returns it, or nil when no held link has that alias uuid.
    func dropLink(aliasUUID uuid: String) -> DeviceLink? {
        for index in pendingLinks.indices {
            guard let link = pendingLinks[index].links.first(where: { DeviceLinker.aliasUUID(for: $0) == uuid }) else { continue }
            pendingLinks[index].links.removeAll { $0.key == link.key }
            return link
        }
        return nil
    }

    /// Records a rejected row in the rejects file.
    func reject(file: String, line: Int, offset: Int64?, reason: String, raw: some Collection<UInt8>) throws(ImportError) {
        do {
            try rejects?.write(file: file, line: line, offset: offset, reason: reason, raw: raw)
        } catch {
            throw ImportError(.outputUnwritable, "cannot write the rejects file \(rejects?.path ?? ""): \(error)")
        }
    }

    /// Saves a release: positions, counts and finished files, then the links of the released rows.
    func commit(_ release: CommitLedger.Release) throws(ImportError) {
        guard !release.isEmpty else { return }
        var changed: [FileProgress] = []
        let touched = Set(release.positions.keys).union(release.deltas.keys).union(release.finishedFiles)
        for file in touched.sorted() {
            var p = progress[file] ?? FileProgress(identity: identities[file])
            if let position = release.positions[file] {
                p.line = position.line
                p.offset = position.endOffset
            }
            if let delta = release.deltas[file] { p.counts.add(delta) }
            if release.finishedFiles.contains(file) { p.done = true }
            progress[file] = p
            changed.append(p)
        }
        guard let store else { return }
        do {
            try rejects?.flush()
        } catch {
            throw ImportError(.outputUnwritable, "cannot write the rejects file \(rejects?.path ?? ""): \(error)")
        }
        do {
            try store.save(changed)
            let released = pendingLinks.prefix { $0.sequence < release.rows.upperBound }
            if !released.isEmpty {
                try store.rememberLinks(released.flatMap(\.links))
                pendingLinks.removeFirst(released.count)
            }
        } catch {
            throw ImportError(.outputUnwritable, "cannot save the checkpoint \(store.path): \(error)")
        }
    }
}
