"""Git objects in-process: writing loose objects, reading loose or packed ones (gitdb for packs).

No process per object: why, and how writes stay durable, in docs/ARCHITECTURE.md, "Objects
in-process" and "Durability".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from git.objects.fun import tree_entries_from_data, tree_to_stream
from gitdb import GitDB
from gitdb.exc import BadObject

from .errors import StoreUnavailable

FILE_MODE = 0o100644
TREE_MODE = 0o040000


def object_id(kind: bytes, data: bytes) -> bytes:
    """Return the binary SHA-1 git gives an object of this kind and content."""
    return hashlib.sha1(b"%s %d\0" % (kind, len(data)) + data).digest()


class ObjectWriter:
    """Write the loose objects of one save the way git does, and make them durable.

    Each object goes to `objects/xx/tmp_obj_*` (O_EXCL), is fsynced before its rename when
    durable, and is renamed to its final name; the ref update's directory fsync carries the
    renames (docs/ARCHITECTURE.md, "Durability").
    """

    def __init__(self, objects_dir: Path, durable: bool, fanouts: set[str] | None = None):
        self.objects_dir = str(objects_dir)
        self.durable = durable
        # Fan-out folders known to exist; shared by a store's writers to save a mkdir each.
        self._fanouts = fanouts if fanouts is not None else set()

    def write(self, kind: bytes, data: bytes) -> bytes:
        """Store one object unless it exists already; return its binary id."""
        header = b"%s %d\0" % (kind, len(data))
        binsha = hashlib.sha1(header + data).digest()
        hexsha = binsha.hex()
        folder = f"{self.objects_dir}/{hexsha[:2]}"
        path = f"{folder}/{hexsha[2:]}"
        try:
            # Present and not empty (an empty file is what a crash leaves of an unsynced
            # write): trusted, as git trusts it.
            if os.stat(path).st_size > 0:
                return binsha
        except FileNotFoundError:
            pass
        # Level 1: several times faster than the default for these sizes; git reads any level.
        body = zlib.compress(header + data, 1)
        fd, tmp = self._create_temp(folder)
        try:
            os.write(fd, body)
            if self.durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
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
               message: str) -> bytes:
        """Write a commit; author and committer are the same actor at the same time."""
        ident = f"{actor[0]} <{actor[1]}> {when} +0000"
        lines = [f"tree {tree.hex()}"]
        if parent:
            lines.append(f"parent {parent}")
        lines += [f"author {ident}", f"committer {ident}", "", message]
        return self.write(b"commit", "\n".join(lines).encode("utf-8"))


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


class ObjectReader:
    """Read commits, trees and blobs, loose or packed."""

    def __init__(self, objects_dir: Path):
        self.objects_dir = str(objects_dir)
        self._packed: GitDB | None = None

    def raw(self, sha: str | bytes) -> bytes:
        """Return an object's content; StoreUnavailable if it is missing (a broken store)."""
        binsha = bytes.fromhex(sha) if isinstance(sha, str) else sha
        hexsha = binsha.hex()
        # Loose first, read whole: new versions are loose, and building a GitDB lists the packs.
        try:
            with open(f"{self.objects_dir}/{hexsha[:2]}/{hexsha[2:]}", "rb") as f:
                header, _, data = zlib.decompress(f.read()).partition(b"\0")
            if header.endswith(b" %d" % len(data)):
                return data
        except (OSError, zlib.error):
            pass  # packed (after git gc), or broken: gitdb reads packs and says which
        try:
            if self._packed is None:
                self._packed = GitDB(self.objects_dir)
            return self._packed.stream(binsha).read()
        except (BadObject, OSError, ValueError) as exc:
            raise StoreUnavailable(f"cannot read object {hexsha}: {exc}") from exc

    def commit(self, sha: str) -> CommitData:
        """Parse a commit object."""
        data = self.raw(sha)
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

    def tree(self, sha: str) -> dict[str, str]:
        """Return a tree's {name: object id} entries."""
        return {name: binsha.hex() for binsha, _mode, name in tree_entries_from_data(self.raw(sha))}

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
        for binsha, mode, name in tree_entries_from_data(self.raw(tree_sha)):
            if mode == TREE_MODE:
                out.update(self.files(binsha.hex(), f"{prefix}{name}/"))
            else:
                out[f"{prefix}{name}"] = self.raw(binsha)
        return out
