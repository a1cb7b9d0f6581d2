import Foundation

/// Turns the import's PATH arguments into a list of files: files as given, directories walked
/// (sorted, hidden files skipped), globs (`*`, `?`, `[…]`, and `**` across directories) expanded
/// and sorted, `-` for standard input. A zip archive stands for its files, named
/// `ARCHIVE.zip!/entry/name` (see ``ZipArchive``).
public enum InputExpander {
    public static func expand(_ arguments: [String]) throws(ImportError) -> [String] {
        var files: [String] = []
        var seen: Set<String> = []
        func add(_ given: String) throws(ImportError) {
            // One spelling per file, so `./a.csv`, `a.csv` and `dir//a.csv` share a checkpoint entry.
            let path = normalized(given)
            if ZipArchive.isArchiveName(path) {
                // A zip stands for its files: `ARCHIVE.zip!/entry/name`, sorted, directories skipped.
                let archive: ZipArchive
                do {
                    archive = try ZipArchive.cached(path: path)
                } catch {
                    throw ImportError(.unreadableInput, error.description)
                }
                for entry in archive.fileEntries {
                    let virtual = ZipArchive.entryPath(archive: path, entry: entry.name)
                    if seen.insert(virtual).inserted { files.append(virtual) }
                }
                return
            }
            if seen.insert(path).inserted { files.append(path) }
        }
        let fm = FileManager.default
        for argument in arguments {
            if argument == "-" {
                try add("-")
                continue
            }
            var isDirectory: ObjCBool = false
            if fm.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    for file in walk(argument) { try add(file) }
                } else {
                    try add(argument)
                }
                continue
            }
            if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                guard !matches.isEmpty else { throw ImportError(.unreadableInput, "\(argument): no file matches this pattern") }
                for match in matches { try add(match) }
                continue
            }
            throw ImportError(.unreadableInput, "\(argument): no such file or directory")
        }
        return files
    }

    /// `path` without `.` components, repeated slashes or a trailing slash (`..` is kept: it
    /// can cross a symbolic link).
    public static func normalized(_ path: String) -> String {
        guard path != "-" else { return path }
        let absolute = path.hasPrefix("/")
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func walk(_ directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var out: [String] = []
        while let item = enumerator.nextObject() as? String {
            let name = (item as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            // hogport export's manifest sits beside its day files; importing the directory
            // means the files (name the manifest explicitly to read it anyway).
            if name == "manifest.json" { continue }
            let full = (directory as NSString).appendingPathComponent(item)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                out.append(full)
            }
        }
        return out.sorted()
    }

    static func glob(_ pattern: String) -> [String] {
        let absolute = pattern.hasPrefix("/")
        let parts = pattern.split(separator: "/").map(String.init)
        var candidates = [absolute ? "/" : "."]
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            var next: [String] = []
            for base in candidates {
                if part == "**" {
                    next.append(base)
                    for sub in walkDirectories(base) { next.append(sub) }
                    continue
                }
                if !part.contains(where: { "*?[".contains($0) }) {
                    next.append(join(base, part))
                    continue
                }
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                for entry in entries.sorted() where !entry.hasPrefix(".") && fnmatch(part, entry, 0) == 0 {
                    next.append(join(base, entry))
                }
            }
            candidates = next
            if last {
                candidates = candidates.filter {
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
                }
            }
        }
        return Array(Set(candidates)).sorted()
    }

    static func walkDirectories(_ base: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var out: [String] = []
        while let item = enumerator.nextObject() as? String {
            if (item as NSString).lastPathComponent.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            let full = join(base, item)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue { out.append(full) }
        }
        return out
    }

    static func join(_ base: String, _ name: String) -> String {
        if base == "." { return name }
        if base.hasSuffix("/") { return base + name }
        return base + "/" + name
    }
}
