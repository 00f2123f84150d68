"""Subscriptions made over the HTTP API, kept beside the file's: `<store>/writethru/hooks-api.json`.

A small JSON document rewritten whole (temporary file, fsync, rename) under a lock, so every
process sees all of it or none of a change; read again only when its stamp moves. A
subscription made here has an id (for DELETE) and is checked exactly as a file's is
(`config._subscription`). Its URL may not be one the file or the API already subscribes: the
delivery log and the secret are found by URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..store.refs import file_lock
from .config import HooksFileError, Subscription, _subscription, file_stamp

__all__ = ["ApiSubscription", "Registry", "RegistryUnreadable", "redacted", "registry_file"]


class RegistryUnreadable(HooksFileError):
    """The API's subscriptions file cannot be read: the server's fault, not the client's."""


def redacted(url: str) -> str:
    """Return url with any password in it hidden (a receiver may take basic auth)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def registry_file(store_path: Path | str) -> Path:
    """Return where the API's subscriptions are kept."""
    return Path(store_path) / "writethru" / "hooks-api.json"


@dataclass(frozen=True)
class ApiSubscription:
    """A subscription made over the API: its id, when, and the subscription itself."""

    id: str
    created_at: str
    subscription: Subscription

    def public(self) -> dict:
        """Return what the API shows of it (never the secret)."""
        s = self.subscription
        return {"id": self.id, "url": redacted(s.url), "articles": list(s.articles),
                "description": s.description, "created_at": self.created_at}


class Registry:
    """The API's subscriptions of one store."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._items: tuple[ApiSubscription, ...] = ()

    def all(self) -> tuple[ApiSubscription, ...]:
        """Return the subscriptions as the file has them now; raise RegistryUnreadable."""
        stamp = file_stamp(self.path)
        with self._lock:
            if stamp != self._stamp:
                self._items = self._read()
                self._stamp = stamp
            return self._items

    def add(self, entry: object, taken: set[str]) -> ApiSubscription:
        """Check entry as a hooks file's [[subscription]] and keep it; raise HooksFileError.

        taken: URLs already subscribed elsewhere (the hooks file).
        """
        if not isinstance(entry, dict):
            raise HooksFileError("$: must be a JSON object with url, secret, articles, "
                                 "description")
        sub = _subscription(entry, lambda field: f"$.{field}")
        with self._write() as items:
            if sub.url in taken or any(i.subscription.url == sub.url for i in items):
                raise HooksFileError(f"$.url: {sub.url} is already subscribed; delete that "
                                     "subscription first, or list every article it wants in one")
            made = ApiSubscription(secrets.token_hex(8), _now(), sub)
            items.append(made)
        return made

    def remove(self, sub_id: str) -> bool:
        """Delete a subscription by id; return whether there was one."""
        if not any(i.id == sub_id for i in self.all()):
            return False  # nothing to write
        with self._write() as items:
            kept = [i for i in items if i.id != sub_id]
            gone = len(kept) != len(items)
            items[:] = kept
        return gone

    # -- the file ---------------------------------------------------------------------------

    def _read(self) -> tuple[ApiSubscription, ...]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            items = doc["subscriptions"]
            return tuple(ApiSubscription(str(d["id"]), str(d["created_at"]), _subscription(
                d["subscription"], lambda f: f"{self.path}: {f}")) for d in items)
        except FileNotFoundError:
            return ()
        # Anything else (not JSON, another shape, a field no longer valid): the file is not
        # what this code writes, and no subscription of it is trusted.
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RegistryUnreadable(f"{self.path}: cannot be read ({exc!r})") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[list[ApiSubscription]]:
        """Yield the list under the lock; write it back whole when the block ends without error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path.with_suffix(".lock")):
            items = list(self._read())
            yield items
            _replace(self.path, {"subscriptions": [{
                "id": i.id, "created_at": i.created_at, "subscription": {
                    "url": i.subscription.url, "secret": i.subscription.secret,
                    "articles": list(i.subscription.articles),
                    "description": i.subscription.description}} for i in items]})


def _replace(path: Path, doc: dict) -> None:
    """Write doc as JSON to path whole: a temporary file, fsynced, renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hooks-api.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out, indent=2, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # it holds the secrets
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
