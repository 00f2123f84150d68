"""One delivery attempt: sign the payload, POST it, and say when to try again.

The request goes out with http.client, not a client that follows redirects (urllib turns a
redirected POST into a GET without its body) or reads proxy settings from the environment.
2xx is delivered; 410 Gone is a subscriber saying stop; anything else, a timeout or a refused
connection is retried with exponential backoff and jitter, MAX_ATTEMPTS attempts over about a day.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import random
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["MAX_ATTEMPTS", "Outcome", "backoff", "post", "sign"]

TIMEOUT = 10.0  # seconds per connect and per read: a receiver should answer fast and work later
# The whole attempt, however slowly a receiver trickles its answer: well inside worker.LEASE
# (60 s), so no attempt outlives its lease and gets the delivery sent twice at once.
LIMIT = 30.0
MAX_ATTEMPTS = 12
FIRST_DELAY = 60.0
MAX_DELAY = 6 * 3600.0
# With these, the 11 waits add up to about 20 hours (jitter moves each by up to a fifth).
USER_AGENT = "writethru-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        """The receiver took it (a 2xx answer)."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def final(self) -> bool:
        """No retry helps: delivered, or the receiver said 410 Gone."""
        return self.delivered or self.status == 410


def sign(secret: str, body: bytes) -> str:
    """Return the X-Writethru-Signature value: sha256=<hex HMAC-SHA256 of the body>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempt: int, first: float = FIRST_DELAY, cap: float = MAX_DELAY,
            rand: random.Random | None = None) -> float:
    """Return the wait after failed attempt number `attempt` (1-based): doubling, capped, jittered."""
    delay = min(cap, first * 2 ** (attempt - 1))
    # Jitter: receivers back up after an outage get their retries spread out, not all at once.
    return delay * (rand or random).uniform(0.8, 1.2)


def post(url: str, body: bytes, secret: str, delivery: str, event: str,
         timeout: float = TIMEOUT, limit: float = LIMIT) -> Outcome:
    """POST the signed payload to url within `limit` seconds; never raises for what the network does."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Writethru-Event": event, "X-Writethru-Delivery": delivery,
               "X-Writethru-Signature": sign(secret, body)}
    deadline = time.monotonic() + limit
    cut = threading.Event()
    # Per-read timeouts do not bound a receiver that drips a byte at a time: at the deadline
    # the watchdog shuts the socket, which ends whatever read is blocked on it.
    watchdog = threading.Timer(limit, _cut, (conn, cut))
    watchdog.daemon = True
    watchdog.start()
    late = Outcome(None, f"timed out: no whole answer within {limit:g} s")
    try:
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        # The answer's body is not used; a little is read to end it cleanly. read1 returns
        # what has arrived, so the deadline is looked at between drips.
        read = 0
        while read < 65536 and (chunk := answer.read1(65536 - read)):
            read += len(chunk)
            if time.monotonic() > deadline:
                return late
        if cut.is_set():
            return late
        reason = None if 200 <= answer.status < 300 else f"HTTP {answer.status} {answer.reason}".strip()
        return Outcome(answer.status, reason)
    except TimeoutError:  # socket.timeout is TimeoutError since 3.10
        return Outcome(None, f"timed out after {timeout:g} s")
    except ConnectionRefusedError:
        return Outcome(None, "connection refused")
    except ssl.SSLError as exc:
        return late if cut.is_set() else Outcome(None, f"TLS: {exc.reason or exc}")
    except (OSError, http.client.HTTPException) as exc:
        return late if cut.is_set() else Outcome(None, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        watchdog.cancel()
        conn.close()


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """At the deadline: shut the socket, so a read blocked on a trickling receiver ends."""
    cut.set()
    if conn.sock is not None:
        try:
            socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)  # the fd's, not SSLSocket's
        except OSError:
            pass
