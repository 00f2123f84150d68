"""Fetching with good manners: robots.txt, conditional GETs, per-host limits, backoff, bounds.

Plain http.client, so that every hop of a redirect is checked against robots.txt and every
byte is counted against the size bound; no library with its own retry or cache policy.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from .config import Settings
from .state import UrlState, WatchState

ROBOTS_MAX = 512 * 1024
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A fetch that gave nothing usable; str() is the log line's reason."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Response:
    """A fetched URL: its final address, status, headers (lower-case names) and body."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def not_modified(self) -> bool:
        """Tell whether the server said 304: nothing new since the validators we sent."""
        return self.status == 304

    @property
    def media_type(self) -> str:
        """Return the media type of the body, lower case, without parameters."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


class Fetcher:
    """One per watcher: shares robots rules, host limits and backoff between its threads."""

    def __init__(self, settings: Settings, state: WatchState, stop: threading.Event | None = None):
        self.settings = settings
        self.state = state
        self.stop = stop or threading.Event()
        self._robots: dict[str, object] = {}
        self._lock = threading.Lock()
        self._hosts: dict[str, tuple[threading.Semaphore, threading.Lock, list[float]]] = {}

    def get(self, url: str, known: UrlState | None = None) -> Response:
        """GET url (conditionally, when known has validators), following bounded redirects.

        Raises FetchError for robots.txt refusals, hosts in backoff, timeouts, statuses other
        than 200 and 304, and bodies over max_bytes.
        """
        headers = {}
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        for _ in range(self.settings.max_redirects + 1):
            self._check_host(url)
            self._address(urlsplit(url))  # every hop: a feed or redirect may point inwards
            if not self.allowed(url):
                raise FetchError("robots.txt disallows it")
            response = self._request(url, headers, self.settings.max_bytes)
            if response.status in (301, 302, 303, 307, 308) and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                if urlsplit(url).scheme not in ("http", "https"):
                    raise FetchError(f"redirected to a non-web URL {url[:80]}")
                continue
            return self._judge(url, response)
        raise FetchError(f"more than {self.settings.max_redirects} redirects")

    def _judge(self, url: str, response: Response) -> Response:
        host = urlsplit(url).netloc
        if response.status == 429 or response.status >= 500:
            wait = self._back_off(host, response.headers.get("retry-after"))
            raise FetchError(f"HTTP {response.status}; not asking {host} again for "
                             f"{wait:.0f} s", response.status)
        if self.state.host_not_before(host)[1]:
            self.state.set_host(host, 0.0, 0)  # the host answers again: backoff over
        if response.status not in (200, 304):
            raise FetchError(f"HTTP {response.status}", response.status)
        return response

    def _back_off(self, host: str, retry_after: str | None) -> float:
        _, failures = self.state.host_not_before(host)
        wait = min(self.settings.backoff * 2 ** failures, self.settings.max_backoff)
        wait = max(wait, _seconds(retry_after) or 0.0)
        self.state.set_host(host, time.time() + wait, failures + 1)
        return wait

    def _check_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        not_before, _ = self.state.host_not_before(host)
        if not_before > time.time():
            raise FetchError(f"backing off {host} for {not_before - time.time():.0f} s more")

    def allowed(self, url: str) -> bool:
        """Tell whether robots.txt of url's origin lets our user agent fetch it."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            rules = self._robots.get(origin)
        if rules is None:
            rules = self._read_robots(origin)
            with self._lock:
                self._robots[origin] = rules
        if isinstance(rules, bool):
            return rules
        return bool(rules.can_fetch(url, self.settings.agent))  # type: ignore[attr-defined]

    def _read_robots(self, origin: str) -> object:
        from protego import Protego

        try:
            response = self._request(f"{origin}/robots.txt", {}, ROBOTS_MAX)
        except FetchError:
            return False  # unreachable robots.txt: assume the worst until the next run
        if response.status == 200:
            return Protego.parse(response.body.decode("utf-8", errors="replace"))
        # None (4xx) means no rules; a server error may hide a disallow, so wait it out.
        return response.status < 500

    def _request(self, url: str, headers: dict[str, str], limit: int) -> Response:
        parts = urlsplit(url)
        sem, gap, last = self._host(parts.netloc)
        with sem:
            with gap:  # at most one request per host_delay per host
                wait = last[0] + self.settings.host_delay - time.monotonic()
                if wait > 0 and self.stop.wait(wait):
                    raise FetchError("stopping")
                last[0] = time.monotonic()
            return self._exchange(parts, url, headers, limit)

    def _address(self, parts) -> tuple[list[str], int]:
        """Resolve the URL's host; refuse non-public addresses unless allowed; (ips, port)."""
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}") from exc
        if not self.settings.allow_private_hosts:
            for address in found:
                if not public(str(address)):
                    raise FetchError(f"refused: {host} is at {address}, not a public address "
                                     "(allow_private_hosts = true in [watch] allows it)")
        return list(dict.fromkeys(str(a) for a in found)), port

    def _exchange(self, parts, url: str, headers: dict[str, str], limit: int) -> Response:
        timeout = self.settings.timeout
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = kind(parts.hostname, parts.port, timeout=timeout)
        # Connect to the address just checked, not to a second lookup's answer (DNS
        # rebinding); the Host header and TLS SNI still carry the host's name.
        addresses, port = self._address(parts)
        conn._create_connection = (  # type: ignore[attr-defined]
            lambda _where, wait, source: _connect(addresses, port, wait, source))
        deadline = time.monotonic() + 3 * timeout  # a trickling server cannot hold us for ever
        cut = threading.Event()
        watchdog = threading.Timer(3 * timeout, _cut, (conn, cut))
        watchdog.daemon = True
        watchdog.start()
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers={
                "User-Agent": self.settings.agent, "Accept": "text/html,application/xhtml+xml,"
                "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5",
                **headers})
            raw = conn.getresponse()
            length = raw.getheader("content-length")
            if length and length.isdigit() and int(length) > limit:
                raise FetchError(f"too large: {int(length):,} bytes (max_bytes {limit:,})")
            body = bytearray()
            # read1: whatever has arrived, so the deadline is looked at however slow the drip.
            while chunk := raw.read1(_CHUNK):
                body += chunk
                if len(body) > limit:
                    raise FetchError(f"too large: more than {limit:,} bytes (max_bytes)")
                if time.monotonic() > deadline:
                    raise FetchError(f"timed out: body still arriving after {3 * timeout:g} s")
            if cut.is_set():
                raise FetchError(f"timed out: no whole answer within {3 * timeout:g} s")
            if raw.length:  # read1 ends quietly where read() would say IncompleteRead
                raise FetchError(f"cut short: {raw.length:,} bytes of the body never came")
            return Response(url, raw.status, {k.lower(): v for k, v in raw.getheaders()},
                            bytes(body))
        except TimeoutError as exc:
            raise FetchError(f"timed out after {timeout:g} s") from exc
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            if cut.is_set():  # the watchdog closed a connection still dripping its headers
                raise FetchError(f"timed out: no whole answer within {3 * timeout:g} s") from exc
            raise FetchError(f"cannot fetch: {exc.__class__.__name__}: {exc}") from exc
        finally:
            watchdog.cancel()
            conn.close()

    def _host(self, host: str):
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = (threading.Semaphore(self.settings.host_concurrency),
                                     threading.Lock(), [0.0])
            return self._hosts[host]


def _connect(addresses: list[str], port: int, wait, source) -> socket.socket:
    """Connect to the first of the checked addresses that answers (as create_connection would
    try a name's addresses in turn), never to one that was not checked."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), wait, source)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def public(address: str) -> bool:
    """Tell whether an IP address is a public one (not loopback, private, link-local, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried in IPv6 is judged as itself: ::ffff:127.0.0.1 (mapped),
        # 2002:7f00:1:: (6to4) and 64:ff9b::7f00:1 (NAT64) all reach 127.0.0.1.
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif ip.sixtofour:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not (ip.is_loopback or ip.is_link_local or ip.is_private or
                                 ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """At the deadline: shut the socket, which ends a read blocked on a trickling server."""
    cut.set()
    sock = conn.sock
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the fd's, not SSLSocket's
        except OSError:
            pass


def _seconds(retry_after: str | None) -> float | None:
    """Return a Retry-After header's wait in seconds (delta or HTTP date), None if unreadable."""
    if not retry_after:
        return None
    if retry_after.strip().isdigit():
        return float(retry_after.strip())
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
