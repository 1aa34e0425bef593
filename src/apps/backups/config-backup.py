"""media-stack config backup: one app's data directory as one consistent archive.

    config-backup.py backup  SOURCE TARGET KEEP [EXCLUDE...]
    config-backup.py restore ARCHIVE DEST

backup: writes TARGET/<name>-<UTC time>.tar.gz, where <name> is TARGET's last component. Plain
files are read as they are; every SQLite database (found by its header, not its name) is copied
through SQLite's online backup API, which gives one transaction-consistent copy of a database the
app keeps writing (its -wal/-shm/-journal files are left out: the copy already holds what they
add). The archive is written under a temporary name and renamed once complete, so a failed run
never counts as a backup; then all but the newest KEEP archives are deleted. EXCLUDE patterns
(fnmatch, relative to SOURCE, e.g. 'Cache/*') are left out. Any error exits 1 with a line that
says what failed.

restore: moves everything in DEST into DEST/.before-restore-<UTC time>/ (nothing is deleted; remove
it once the app works), then unpacks ARCHIVE into DEST. Stop the app first.

Standard library only (the image is the official python image; the tests run Debian's python3).
"""

import fnmatch
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")
BEFORE_RESTORE = ".before-restore-"
NAME = "config-backup"


def log(message: str) -> None:
    print(f"{NAME}: {message}", flush=True)


def fail(message: str) -> None:
    log(f"ERROR: {message}")
    sys.exit(1)


def is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    return False


def sqlite_copy(path: str, into: str) -> None:
    """A consistent copy of a live database: read-only connection, SQLite's online backup."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(into)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def members(source: str, excludes: list[str]):
    """(relative path, absolute path) of everything to archive, directories first, sorted."""
    out = []
    for root, dirs, files in os.walk(source):
        rel_root = os.path.relpath(root, source)
        keep = []
        for d in sorted(dirs):
            rel = d if rel_root == "." else f"{rel_root}/{d}"
            if d.startswith(BEFORE_RESTORE) and rel_root == ".":
                continue
            if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(f"{rel}/", p) for p in excludes):
                continue
            keep.append(d)
            out.append((rel, os.path.join(root, d)))
        dirs[:] = keep
        for name in sorted(files):
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            if any(fnmatch.fnmatch(rel, p) for p in excludes):
                continue
            out.append((rel, os.path.join(root, name)))
    return out


def backup(source: str, target: str, keep: int, excludes: list[str]) -> None:
    if not os.path.isdir(source):
        fail(f"the data directory {source} does not exist")
    try:
        os.makedirs(target, exist_ok=True)
    except OSError as e:
        fail(f"cannot create {target} on the backup target: {e.strerror}")
    prefix = os.path.basename(os.path.normpath(target))
    # A run killed outright (OOM, lost node) leaves its partial behind; no other run is active (Forbid).
    for old in os.listdir(target):
        if old.endswith(".partial") or old.startswith(".staging-"):
            path = os.path.join(target, old)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    final = os.path.join(target, f"{prefix}-{stamp}.tar.gz")
    partial = f"{final}.partial"
    staging = tempfile.mkdtemp(prefix=".staging-", dir=target)
    entries = members(source, excludes)
    databases = {rel for rel, path in entries if os.path.isfile(path) and not os.path.islink(path) and is_sqlite(path)}
    side = {f"{db}{s}" for db in databases for s in SIDE_FILES}
    written = 0
    try:
        with tarfile.open(partial, "w:gz") as tar:
            for rel, path in entries:
                if rel in side:
                    continue
                written += 1
                if rel in databases:
                    copy = os.path.join(staging, "db")
                    sqlite_copy(path, copy)
                    info = tar.gettarinfo(copy, arcname=rel)
                    st = os.stat(path)
                    info.mode, info.mtime = st.st_mode & 0o7777, int(st.st_mtime)
                    with open(copy, "rb") as f:
                        tar.addfile(info, f)
                    os.remove(copy)
                    log(f"{rel}: SQLite database copied with the online backup")
                elif os.path.islink(path) or os.path.isdir(path) or os.path.isfile(path):
                    tar.add(path, arcname=rel, recursive=False)
                # sockets and FIFOs are not data
        os.replace(partial, final)
    except (OSError, sqlite3.Error, tarfile.TarError) as e:
        if os.path.exists(partial):
            os.remove(partial)
        fail(f"backup of {source} failed: {e}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"wrote {final} ({os.path.getsize(final)} bytes, {written} entries)")
    archives = sorted((n for n in os.listdir(target) if n.startswith(f"{prefix}-") and n.endswith(".tar.gz")), reverse=True)
    for old in archives[keep:]:
        os.remove(os.path.join(target, old))
        log(f"deleted {old} (keeping the newest {keep})")


def restore(archive: str, dest: str) -> None:
    if not os.path.isfile(archive):
        fail(f"no archive {archive}")
    if not os.path.isdir(dest):
        fail(f"the data directory {dest} does not exist")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            names = tar.getnames()
            aside = os.path.join(dest, f"{BEFORE_RESTORE}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
            present = [n for n in os.listdir(dest) if not n.startswith(BEFORE_RESTORE)]
            if present:
                os.mkdir(aside)
                for name in present:
                    os.rename(os.path.join(dest, name), os.path.join(aside, name))
                log(f"moved the current contents of {dest} to {aside} (delete it once the app works)")
            # 'data' refuses absolute paths, links out of DEST and device files.
            tar.extractall(dest, filter="data")
    except (OSError, tarfile.TarError) as e:
        fail(f"restore of {archive} into {dest} failed: {e}")
    log(f"restored {len(names)} entries from {archive} into {dest}")


def main(argv: list[str]) -> None:
    if len(argv) >= 4 and argv[0] == "backup":
        try:
            keep = int(argv[3])
        except ValueError:
            keep = 0
        if keep < 1:
            fail(f"KEEP must be a number of at least 1, got {argv[3]!r}")
        backup(argv[1], argv[2], keep, argv[4:])
    elif len(argv) == 3 and argv[0] == "restore":
        restore(argv[1], argv[2])
    else:
        fail("usage: config-backup.py backup SOURCE TARGET KEEP [EXCLUDE...] | restore ARCHIVE DEST")


if __name__ == "__main__":
    main(sys.argv[1:])
