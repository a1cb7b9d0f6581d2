import Foundation
import Logging

/// An import job opened for one run: its lock, its checkpoint (checked against this run's
/// mapping and destination), and what earlier runs committed, per input file.
final class ImportJob {
    let configuration: ImportConfiguration
    let files: [String]
    let store: CheckpointStore?
    let identities: [FileIdentity]
    /// What earlier runs committed, per file index.
    let recorded: [Int: FileProgress]
    /// Device links remembered by earlier runs (`--link-devices`).
    let knownLinks: Set<DeviceLink.Key>
    private let lock: RunLock?

    /// Opens the job: takes the lock, opens and checks the checkpoint, reads the inputs' identities.
    init(configuration: ImportConfiguration, logger: Logger) throws(ImportError) {
        self.configuration = configuration
        files = configuration.assignedInputs
        identities = try Self.identities(of: files)
        guard !configuration.dryRun else {
            (store, lock, recorded, knownLinks) = (nil, nil, [:], [])
            return
        }
        let lock = try Self.lock(configuration.checkpointPath)
        do throws(ImportError) {
            let store = try Self.openStore(configuration)
            recorded = try Self.recordedProgress(store: store, files: files, identities: identities)
            knownLinks = try Self.links(store: store, configuration: configuration)
            try Self.noteRunning(store)
            self.store = store
            self.lock = lock
        } catch {
            lock.release()
            throw error
        }
    }

    /// Records how the run ended and releases the lock.
    func close(with error: ImportError?) {
        if let store {
            if let error {
                try? store.setStatus(error.kind == .interrupted ? "interrupted" : "failed", error: error.message)
            } else {
                try? store.setStatus("finished", error: nil)
            }
        }
        lock?.release()
    }

    static func lockPath(for checkpoint: String) -> String { checkpoint + ".lock" }

    private static func lock(_ checkpoint: String) throws(ImportError) -> RunLock {
        do throws(RunLock.Failure) {
            return try RunLock(path: lockPath(for: checkpoint))
        } catch {
            switch error {
            case .held(let pid): throw ImportError(.busy, RunLock.heldMessage(job: "import", checkpoint: checkpoint, pid: pid))
            case .unavailable(let reason): throw ImportError(.outputUnwritable, reason)
            }
        }
    }

    private static func identities(of files: [String]) throws(ImportError) -> [FileIdentity] {
        var identities: [FileIdentity] = []
        for path in files {
            do throws(InputError) {
                identities.append(try FileIdentity.of(path))
            } catch {
                throw ImportError(.unreadableInput, error.description)
            }
        }
        return identities
    }

    /// Opens the checkpoint and checks that it belongs to this job and destination.
    private static func openStore(_ configuration: ImportConfiguration) throws(ImportError) -> CheckpointStore {
        let path = configuration.checkpointPath
        if let refusal = CheckpointKind.refusal(path: path, for: .import) { throw ImportError(.jobMismatch, refusal) }
        let store: CheckpointStore
        do throws(SQLiteError) {
            store = try CheckpointStore(path: path)
        } catch {
            throw ImportError(.outputUnwritable, "cannot open the checkpoint \(path): \(error)")
        }
        chmod(path, 0o600)
        do {
            let existing = try store.fingerprint()
            if configuration.restart || existing == nil {
                try store.reset(fingerprint: configuration.fingerprint)
                try store.setDestination(configuration.destination)
                return store
            }
            guard existing == configuration.fingerprint else {
                throw ImportError(
                    .jobMismatch,
                    "the checkpoint \(path) belongs to a job with a different mapping, preset or format; use --restart to start over with the new one, or --checkpoint for a new job"
                )
            }
            try checkDestination(store: store, configuration: configuration)
            return store
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(.outputUnwritable, "cannot use the checkpoint \(path): \(error)")
        }
    }

    private static func checkDestination(store: CheckpointStore, configuration: ImportConfiguration) throws {
        let wanted = configuration.destination
        guard let recorded = try store.destination() else {
            try store.setDestination(wanted)
            return
        }
        guard recorded != wanted else { return }
        let path = configuration.checkpointPath
        if recorded.host == wanted.host {
            throw ImportError(
                .jobMismatch,
                "the checkpoint \(path) was started with another project key (fingerprint \(recorded.keyFingerprint), this one is \(wanted.keyFingerprint)): if the key is mistyped, fix it; to send these rows to the other project, use --restart, or another --checkpoint for a separate job"
            )
        }
        throw ImportError(
            .jobMismatch,
            "the checkpoint \(path) recorded an import into \(recorded.host), not \(wanted.host): its rows went there, not here. Use --restart to send everything to \(wanted.host), or another --checkpoint for a separate job"
        )
    }

    private static func recordedProgress(store: CheckpointStore, files: [String], identities: [FileIdentity]) throws(ImportError) -> [Int: FileProgress] {
        var recorded: [Int: FileProgress] = [:]
        for (index, path) in files.enumerated() where path != "-" {
            guard let previous = try? store.progress(for: path) else { continue }
            switch identities[index].compared(to: previous.identity) {
            case .replaced:
                let error = ImportError(
                    .jobMismatch,
                    "\(path) changed since the checkpoint recorded it (different content); use --restart to import everything again, or a new --checkpoint")
                try? store.setStatus("failed", error: error.message)
                throw error
            case .grown:
                var grown = previous
                grown.identity = identities[index]
                grown.done = false
                recorded[index] = grown
            case .same:
                recorded[index] = previous
            }
        }
        return recorded
    }

    private static func links(store: CheckpointStore, configuration: ImportConfiguration) throws(ImportError) -> Set<DeviceLink.Key> {
        guard configuration.reshaper != nil, configuration.linkDevices else { return [] }
        do throws(SQLiteError) {
            return try store.linkedPairs()
        } catch {
            throw ImportError(.outputUnwritable, "cannot read the device links in \(configuration.checkpointPath): \(error)")
        }
    }

    private static func noteRunning(_ store: CheckpointStore) throws(ImportError) {
        do throws(SQLiteError) {
            try store.setStatus("running", error: nil)
        } catch {
            throw ImportError(.outputUnwritable, "cannot write the checkpoint \(store.path): \(error)")
        }
    }
}
