"""Packed objects: gitdb's pack reading under one lock, with a cache of delta bases.

gitdb is not thread-safe (each pack file shares one smmap cursor, and smmap's window manager is
one per process), so every gitdb call here holds one process-wide lock, made anew in a forked
child. git gc stores most objects as deltas against others, in chains up to 50 long, and gitdb
applies a whole chain for every object it reads: a walk of 5,000 packed commits re-applied some
50,000 deltas and took three to four times as long as reading loose objects. Like git's own
delta base cache, the objects met are kept (bounded by bytes), so a walk that reads neighbouring
versions applies about one delta per object. Why: docs/ARCHITECTURE.md, "Objects in-process".
"""

from __future__ import annotations

import os
import threading
import time
import zlib

from gitdb import GitDB
from gitdb.db.pack import PackedDB
from gitdb.exc import BadObject
from gitdb.fun import OFS_DELTA, REF_DELTA, apply_delta_data, msb_size
from gitdb.pack import PackEntity, pack_object_at

from ..lru import LRU

# Bytes of objects kept per reader to resolve deltas (git's core.deltaBaseCacheLimit is 96 MiB;
# a commit, tree or meta is a few hundred bytes, a text some kilobytes).
DELTA_BASE_BYTES = 8 * 1024 * 1024
_MAX_DEPTH = 10_000  # longer than any chain git writes (gc --depth 50, --aggressive 250)
# What gitdb (and the delta code on its functions) raise for a missing, moved or damaged object.
ERRORS = (BadObject, OSError, ValueError, AssertionError, IndexError, zlib.error)

_lock = threading.Lock()


def _new_lock() -> None:
    global _lock
    _lock = threading.Lock()  # a thread may have held it at the fork: the child starts free


os.register_at_fork(after_in_child=_new_lock)


class PackedObjects:
    """Objects in a repository's packs, through one GitDB listed again only when needed."""

    def __init__(self, objects_dir: str, max_bytes: int = DELTA_BASE_BYTES):
        self.objects_dir = objects_dir
        self._db: GitDB | None = None
        self._stamp: int | None = None
        self._next_look = 0.0  # time.monotonic() at which objects/pack is looked at again
        self.relists = 0  # lists made again because an object was not found
        self._bases = LRU(max_bytes, weigh=lambda found: len(found[1]) + 100)

    def read(self, binsha: bytes) -> bytes:
        """Return an object's content from the packs (or GitDB's other databases); ERRORS if none."""
        with _lock:
            try:
                return self._read(binsha)
            except ERRORS:
                # git gc beside us writes a new pack, then removes the old packs and the loose
                # copies: the packs listed may be gone. Look once more at what is there now.
                self._db = None
                self.relists += 1
            return self._read(binsha)

    def find(self, binsha: bytes) -> bytes | None:
        """Return an object's content if the packs listed now have it, else None (no relisting)."""
        with _lock:
            try:
                packed = self._packed()
                return None if packed is None else self._from_pack(packed, binsha)
            except ERRORS:
                return None  # the caller's usual path reads it, or says why not

    def packed_only(self, binsha: bytes) -> bytes | None:
        """Return an object's content from the packs alone, None if no pack has it whole."""
        with _lock:
            try:
                packed = self._packed()
                if packed is not None and packed.has_object(binsha):
                    return self._from_pack(packed, binsha) or packed.stream(binsha).read()
            except ERRORS:
                pass
        return None

    def _read(self, binsha: bytes) -> bytes:
        packed = self._packed()
        found = self._from_pack(packed, binsha) if packed is not None else None
        return found if found is not None else self._gitdb().stream(binsha).read()

    def _gitdb(self) -> GitDB:
        now = time.monotonic()
        # git adds and removes packs by rename and unlink in objects/pack: its mtime moves. Looked
        # at once a second (a stat per object was a tenth of a walk): a pack added meanwhile is
        # found by the retry on a miss, one removed is still mapped and reads the same objects.
        if self._db is None or now >= self._next_look:
            self._next_look = now + 1.0
            try:
                stamp: int | None = os.stat(f"{self.objects_dir}/pack").st_mtime_ns
            except OSError:
                stamp = None
            if self._db is None or stamp != self._stamp:
                self._db, self._stamp = GitDB(self.objects_dir), stamp
        return self._db

    def _packed(self) -> PackedDB | None:
        return next((db for db in self._gitdb().databases() if isinstance(db, PackedDB)), None)

    def _from_pack(self, packed: PackedDB, binsha: bytes) -> bytes | None:
        """Return a packed object's content; None if no pack has it or it is a REF_DELTA."""
        try:
            entity, index = packed._pack_info(binsha)  # gitdb's own lookup: hits sort the packs
        except BadObject:
            return None
        found = self._resolve(entity, entity.index().offset(index), 0)
        return None if found is None else found[1]

    def _resolve(self, entity: PackEntity, offset: int, depth: int) -> tuple[int, bytes] | None:
        """Return (type id, content) of the object at offset, None for a REF_DELTA chain."""
        key = (entity.pack().path(), offset)
        found = self._bases.peek(key)
        if found is not None:
            return found
        stream = pack_object_at(entity.pack()._cursor, offset, True)[1]
        if stream.type_id == REF_DELTA or depth > _MAX_DEPTH:
            return None  # thin packs only (git gc writes none): gitdb's own path reads these
        data = stream.read()
        if stream.type_id == OFS_DELTA:
            base = self._resolve(entity, offset - stream.delta_info, depth + 1)
            if base is None:
                return None
            start, base_size = msb_size(data)
            start, size = msb_size(data, start)
            if base_size != len(base[1]):
                raise ValueError(f"delta at {offset} expects a base of {base_size} bytes")
            out: list[bytes] = []
            apply_delta_data(base[1], base_size, memoryview(data)[start:], len(data) - start,
                             out.append)
            data = b"".join(out)
            if len(data) != size:
                raise ValueError(f"delta at {offset} made {len(data)} bytes, not {size}")
            found = (base[0], data)
        else:
            found = (stream.type_id, data)
        self._bases.put(key, found)
        return found
