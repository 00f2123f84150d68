"""Git objects in-process: writing loose objects, reading loose or packed ones (gitdb for packs).

No process per object: why, and how writes stay durable, in docs/ARCHITECTURE.md, "Objects
in-process" and "Durability".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from git.objects.fun import tree_to_stream

from . import packed
from .errors import StoreUnavailable

FILE_MODE = 0o100644
TREE_MODE = 0o040000
# A writer holds its temp file for milliseconds; one this old is a killed writer's leftover.
STALE_TEMP_SECONDS = 3600.0
_FANOUT = re.compile(r"[0-9a-f]{2}")


def object_id(kind: bytes, data: bytes) -> bytes:
    """Return the binary SHA-1 git gives an object of this kind and content."""
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).digest()


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of data to fd, or raise (os.write may write fewer bytes than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:  # no progress and no errno: never loop for ever on it
            raise OSError(f"short write: {len(view)} of {len(data)} bytes not written")
        view = view[written:]


def inflate(raw: bytes, limit: int = 0) -> bytes:
    """Return a loose object's inflated bytes (header included); ValueError if not one whole stream.

    limit: when above 0, inflate at most this many bytes (an object that is not the one
    expected is not inflated whole to find out).
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, limit)
    except zlib.error as exc:
        raise ValueError(f"not a zlib stream ({exc})") from None
    if not inflater.eof:
        raise ValueError("longer than expected" if 0 < limit <= len(out) else "truncated")
    if inflater.unused_data:
        raise ValueError("garbage after the zlib stream")
    return out


class ObjectWriter:
    """Write the loose objects of one save the way git does, and make them durable.

    Each object goes to `objects/xx/tmp_obj_*` (O_EXCL), is written whole, fsynced before its
    rename when durable, and renamed to its final name; on any failure the temp file is removed.
    The ref update's directory fsync carries the renames (docs/ARCHITECTURE.md, "Durability").
    """

    def __init__(self, objects_dir: Path, durable: bool, fanouts: set[str] | None = None):
        self.objects_dir = str(objects_dir)
        self.durable = durable
        # Fan-out folders known to exist; shared by a store's writers to save a mkdir each.
        self._fanouts = fanouts if fanouts is not None else set()

    def write(self, kind: bytes, data: bytes) -> bytes:
        """Store one object unless a whole copy exists already; return its binary id.

        Raises:
            StoreFull (disk or quota full), StoreUnavailable: nothing was left under any name.
        """
        content = b"%s %d\0" % (kind, len(data)) + data
        binsha = hashlib.sha1(content).digest()
        hexsha = binsha.hex()
        folder = f"{self.objects_dir}/{hexsha[:2]}"
        path = f"{folder}/{hexsha[2:]}"
        if _holds(path, content):
            return binsha
        # Level 1: several times faster than the default for these sizes; git reads any level.
        body = zlib.compress(content, 1)
        fd, tmp = -1, ""
        try:
            fd, tmp = self._create_temp(folder)
            write_all(fd, body)
            if self.durable:
                os.fsync(fd)
            os.close(fd)  # some file systems (NFS) report a failed write only here
            fd = -1
            os.rename(tmp, path)  # over a broken copy too: readers see the old file or this one
        except BaseException as exc:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            if isinstance(exc, OSError):
                raise StoreUnavailable.of_write(f"cannot write object {hexsha} in {folder}",
                                               exc) from exc
            raise
        return binsha

    def _create_temp(self, folder: str) -> tuple[int, str]:
        """Create a new temp file in folder (made if missing); return (fd, path)."""
        if folder not in self._fanouts:
            os.makedirs(folder, exist_ok=True)
            self._fanouts.add(folder)
        while True:
            tmp = f"{folder}/tmp_obj_{os.getpid()}_{secrets.token_hex(6)}"
            try:
                return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), tmp
            except FileExistsError:
                continue
            except FileNotFoundError:  # the folder was removed under us (say, by git prune)
                os.makedirs(folder, exist_ok=True)

    def tree(self, files: dict[str, bytes]) -> bytes:
        """Write blobs and trees for a {path: content} map (one directory level deep)."""
        top: dict[str, tuple[bytes, int]] = {}
        subdirs: dict[str, dict[str, bytes]] = {}
        for path, content in files.items():
            head, _, rest = path.partition("/")
            if rest:
                subdirs.setdefault(head, {})[rest] = content
            else:
                top[head] = (self.write(b"blob", content), FILE_MODE)
        for name, sub in subdirs.items():
            top[name] = (self.tree(sub), TREE_MODE)
        # git orders tree entries by name, a directory's name compared as if it ended in "/".
        order = sorted(top, key=lambda n: n + "/" if top[n][1] == TREE_MODE else n)
        stream = BytesIO()
        tree_to_stream([(top[n][0], top[n][1], n) for n in order], stream.write)
        return self.write(b"tree", stream.getvalue())

    def commit(self, tree: bytes, parent: str | None, actor: tuple[str, str], when: int,
               message: str, author: str | None = None) -> bytes:
        """Write a commit by actor at when (UTC); author: its own line's value, else the same.

        The committer line is the ingest time every reader takes (parse_commit); the author
        line (authors.author_ident: byline, publisher's time) is for people and is never read.
        """
        ident = f"{actor[0]} <{actor[1]}> {when} +0000"
        lines = [f"tree {tree.hex()}"]
        if parent:
            lines.append(f"parent {parent}")
        lines += [f"author {author or ident}", f"committer {ident}", "", message]
        return self.write(b"commit", "\n".join(lines).encode("utf-8"))


def _holds(path: str, content: bytes) -> bool:
    """Tell whether the loose object file at path is whole and holds content (header included).

    A crash or a full disk can leave a truncated or empty file under the final name, which git
    would trust; the same bytes as the header and data mean the same kind, length and id.
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
        return inflate(raw, len(content) + 1) == content
    except (OSError, ValueError):  # missing, unreadable or broken: the writer writes it anew
        return False


def stale_temp_files(objects_dir: Path | str, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Return writers' temp files (`tmp_obj_*`) older than older_than seconds."""
    root = Path(objects_dir)
    if not root.is_dir():
        return []  # no store yet: nothing to clean
    deadline = time.time() - older_than
    found: list[Path] = []
    try:
        # git's own writers leave the same names in objects/ itself and in the fan-out folders.
        folders = [root, *(p for p in root.iterdir() if _FANOUT.fullmatch(p.name))]
        for folder in folders:
            try:
                entries = [e for e in os.scandir(folder) if e.name.startswith("tmp_obj_")]
            except (FileNotFoundError, NotADirectoryError):
                continue  # an empty fan-out folder pruned meanwhile, or not a folder at all
            for entry in entries:
                try:
                    # Judged by mtime: a live writer's temp file was written a moment ago.
                    if entry.stat(follow_symlinks=False).st_mtime < deadline:
                        found.append(Path(entry.path))
                except FileNotFoundError:
                    continue  # renamed into place or removed meanwhile
    except OSError as exc:
        raise StoreUnavailable(f"cannot look for temp files in {root}: {exc}") from exc
    return found


def remove_stale_temp_files(objects_dir: Path | str,
                            older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Remove writers' temp files (`tmp_obj_*`) older than older_than seconds; return their paths."""
    removed: list[Path] = []
    for path in stale_temp_files(objects_dir, older_than):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def fsync_dir(path: str | Path) -> None:
    """Flush a directory's entries (a rename or a new file in it) to disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class CommitData:
    """The parts of a commit object the store uses."""

    tree: str
    parents: tuple[str, ...]
    time: int
    message: str

    @property
    def created_at(self) -> datetime:
        """Return the commit time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time, UTC)

    def trailer(self, key: str) -> int | None:
        """Return the integer value of a `Key: n` trailer line, if the message has one."""
        prefix = f"{key}: "
        for line in reversed(self.message.splitlines()):
            if line.startswith(prefix) and line[len(prefix):].strip().isdigit():
                return int(line[len(prefix):])
        return None


def tree_entries(data: bytes) -> list[tuple[bytes, int, str]]:
    """Return a tree object's (binary id, mode, name) entries.

    Not GitPython's tree_entries_from_data: it checks every name as a path to check out (a
    fifth of a history walk), and nothing here is checked out.
    """
    out: list[tuple[bytes, int, str]] = []
    at, end = 0, len(data)
    while at < end:
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        if nul + 21 > end:
            raise ValueError("tree entry cut short")
        out.append((data[nul + 1:nul + 21], int(data[at:space], 8),
                    data[space + 1:nul].decode("utf-8", "surrogateescape")))
        at = nul + 21
    return out


def parse_commit(data: bytes) -> CommitData:
    """Parse a commit object's content (the parts the store uses); its time is the committer's."""
    header, _, message = data.partition(b"\n\n")
    tree, parents, when = "", [], 0
    for line in header.split(b"\n"):
        if line.startswith(b"tree "):
            tree = line[5:].decode()
        elif line.startswith(b"parent "):
            parents.append(line[7:].decode())
        elif line.startswith(b"committer "):
            when = int(line.rsplit(b" ", 2)[1])
    return CommitData(tree, tuple(parents), when, message.decode("utf-8", "replace"))


class ObjectReader:
    """Read commits, trees and blobs, loose or packed; one may be shared by threads of a process.

    Loose objects are read directly, packed ones through packed.py: one gitdb GitDB kept for the
    reader's life, listed again only when objects/pack changes or an object is not found.
    """

    def __init__(self, objects_dir: Path, delta_cache_bytes: int = packed.DELTA_BASE_BYTES):
        self.objects_dir = str(objects_dir)
        self.pid = os.getpid()  # a forked child builds its own reader (GitStore._reader)
        self._packed = packed.PackedObjects(self.objects_dir, delta_cache_bytes)
        # Whether the last object was packed: then the next one (an older version in a walk) is
        # looked for in the packs first, sparing a failed open per object (a third of a walk).
        self._packed_first = False

    def raw(self, sha: str | bytes) -> bytes:
        """Return an object's content; StoreUnavailable if it is missing or broken (a broken store)."""
        binsha = bytes.fromhex(sha) if isinstance(sha, str) else sha
        hexsha = binsha.hex()
        path = f"{self.objects_dir}/{hexsha[:2]}/{hexsha[2:]}"
        if self._packed_first:
            found = self._packed.find(binsha)
            if found is not None:
                return found
            self._packed_first = False
        # Loose first, read whole: new versions are loose, and no lock is needed for them.
        problem: Exception
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            self._packed_first = True
            return self._packed_raw(binsha)
        except OSError as exc:
            problem = exc
        else:
            try:
                header, _, data = inflate(raw).partition(b"\0")
                if header.endswith(b" %d" % len(data)):
                    return data
                raise ValueError("its length is not the one its header gives")
            except ValueError as exc:
                problem = exc
        # A broken loose file (a crash, a full disk) is never served; a packed copy may be.
        # Not through GitDB, whose loose reader returns a truncated file's bytes as they are.
        found = self._packed.packed_only(binsha)
        if found is None:
            raise StoreUnavailable(f"object {hexsha} is broken ({problem}): {path}; "
                                   "`git fsck` lists the damage")
        return found

    def _packed_raw(self, binsha: bytes) -> bytes:
        """Return a packed object's content (or one made loose meanwhile); StoreUnavailable if none."""
        try:
            return self._packed.read(binsha)
        except packed.ERRORS as exc:
            raise StoreUnavailable(f"cannot read object {binsha.hex()}: {exc}") from exc

    def commit(self, sha: str) -> CommitData:
        """Parse a commit object."""
        return parse_commit(self.raw(sha))

    def tree(self, sha: str) -> dict[str, str]:
        """Return a tree's {name: object id} entries."""
        return {name: binsha.hex() for binsha, _mode, name in tree_entries(self.raw(sha))}

    def file(self, tree_sha: str, path: str) -> bytes | None:
        """Return the content of path inside a tree, None if it is not there."""
        entries = self.tree(tree_sha)
        head, _, rest = path.partition("/")
        if head not in entries:
            return None
        return self.file(entries[head], rest) if rest else self.raw(entries[head])

    def files(self, tree_sha: str, prefix: str = "") -> dict[str, bytes]:
        """Return every file under a tree as {path: content} (one directory level deep)."""
        out: dict[str, bytes] = {}
        for binsha, mode, name in tree_entries(self.raw(tree_sha)):
            if mode == TREE_MODE:
                out.update(self.files(binsha.hex(), f"{prefix}{name}/"))
            else:
                out[f"{prefix}{name}"] = self.raw(binsha)
        return out


class ProcessReader:
    """One ObjectReader per process for a store, built on first use and again after a fork.

    Kept, not built per read: a reader holds gitdb's list of packs, which costs a listing and an
    open per pack to build. A forked child (gunicorn forks workers after the master may have
    read) builds its own rather than share the parent's gitdb cursors and mmap windows.
    """

    def __init__(self, objects_dir: Path, delta_cache_bytes: int = packed.DELTA_BASE_BYTES):
        self.objects_dir = objects_dir
        self.delta_cache_bytes = delta_cache_bytes
        self._reader: ObjectReader | None = None

    def get(self) -> ObjectReader:
        """Return this process's reader."""
        reader = self._reader
        if reader is None or reader.pid != os.getpid():
            # No lock (one held at a fork would stay held in the child): two threads may both
            # build one at first, and one of them is kept.
            reader = self._reader = ObjectReader(self.objects_dir, self.delta_cache_bytes)
        return reader
