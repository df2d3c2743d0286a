"""Files and directories as every subcommand reads and writes them.

Every file a command leaves for another (state, summaries, reports, the
triage store) is written through atomic_write, so a reader, or a run
killed half-way, never sees half a file."""
import hashlib
import json
import os


def atomic_write(path, content):
    """Writes content (str as UTF-8, or bytes) to path through a temporary
    file next to it and a rename."""
    data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_if_changed(path, content):
    """atomic_write, unless path already holds exactly content (the file's
    time then stays that of the run that made it, so a build recompiles
    nothing for it); makes the directory. Returns whether it wrote."""
    data = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write(path, data)
    return True


def write_json(path, doc, **dump):
    """doc as JSON (json.dumps options in dump; default indent=1) and a
    newline, atomically."""
    dump.setdefault("indent", 1)
    atomic_write(path, json.dumps(doc, **dump) + "\n")


def read_json(path, default=None):
    """The JSON document in path, or default when it is missing or not
    JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read_text(path, limit=None):
    """path's text (at most limit characters), undecodable bytes replaced;
    None when it cannot be read."""
    try:
        with open(path, errors="replace") as f:
            return f.read(limit) if limit else f.read()
    except OSError:
        return None


def file_hash(path, algo):
    """Hex digest of path's bytes, read in chunks."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def listdir_sorted(d):
    """The names in d, sorted; none when d cannot be listed."""
    try:
        return sorted(os.listdir(d))
    except OSError:
        return []


def files_in(d):
    """Regular files directly in d (no dot files), sorted by name; none
    when d cannot be listed."""
    return [os.path.join(d, n) for n in listdir_sorted(d)
            if not n.startswith(".") and os.path.isfile(os.path.join(d, n))]


def dir_size(d):
    """{"files": count, "bytes": total size} of files_in(d)."""
    fs = files_in(d)
    return {"files": len(fs), "bytes": sum(os.path.getsize(f) for f in fs)}


def lock_dir(d, what):
    """Holds d/.lock for as long as the returned file is open; a second
    `what` on the same directory is refused (exit 2)."""
    import fcntl
    from rig.common import die  # here: rig.common imports this module
    lock = open(os.path.join(d, ".lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        die(f"another {what} is running in {d}")
    return lock
