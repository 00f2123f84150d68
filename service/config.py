"""Settings: defaults, environment overrides, checks at start. The one place config is read."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
SEEDS_DIR = ROOT / "seeds"

# Promotional lines wire and web copy carry between paragraphs; tagged so views can fold them.
DEFAULT_PROMO_PATTERN = r"^(WATCH|READ MORE|RELATED|MORE|SEE ALSO|LISTEN|PHOTOS|VIDEO)\s*:"

#: (config key, environment variable, parser, default, description) — the README's table.
SETTINGS: list[tuple[str, str, Callable[[str], object] | Literal["bool"], Any, str]] = [
    ("STORE_PATH", "WRITETHRU_STORE", Path, "var/writethru.git", "bare git repository of the store"),
    ("TOKEN", "WRITETHRU_TOKEN", str, "", "bearer token required for POST (empty: open)"),
    ("MAX_BODY", "WRITETHRU_MAX_BODY", int, 5 * 1024 * 1024, "largest request body, bytes"),
    ("MAX_PARAGRAPHS", "WRITETHRU_MAX_PARAGRAPHS", int, 50_000,
     "most paragraphs one version may have"),
    ("DURABLE", "WRITETHRU_DURABLE", "bool", True, "fsync objects and ref before answering"),
    ("READ_ONLY", "WRITETHRU_READ_ONLY", "bool", False,
     "serve reads only and refuse POST with 403 (a replica of another store)"),
    ("HOST", "WRITETHRU_HOST", str, "127.0.0.1", "address `writethru serve` binds"),
    ("PORT", "WRITETHRU_PORT", int, 8000, "port `writethru serve` binds"),
    ("WORKERS", "WRITETHRU_WORKERS", int, 2, "gunicorn worker processes"),
    ("THREADS", "WRITETHRU_THREADS", int, 8, "request threads per gunicorn worker"),
    ("PROMO_PATTERN", "WRITETHRU_PROMO_PATTERN", str, DEFAULT_PROMO_PATTERN,
     "regular expression for promotional lines"),
    ("BASE_URL", "WRITETHRU_BASE_URL", str, "",
     "canonical address of the service, e.g. https://news.example/writethru: feed ids and links "
     "(empty: the request's host)"),
    ("CACHE_MB", "WRITETHRU_CACHE_MB", int, 64,
     "memory each process may keep in caches, MiB (diffs, rendered pages, histories, packed "
     "objects, annotations, change stats; shares in `config.CACHE_SHARES`)"),
    ("CORS_ORIGINS", "WRITETHRU_CORS_ORIGINS", str, "*",
     "origins whose pages may read the API, feeds and /healthz: `*` (any), a space-separated "
     "list of exact origins, or empty (none)"),
    ("CORS_WRITE_ORIGINS", "WRITETHRU_CORS_WRITE_ORIGINS", str, "",
     "exact origins whose pages may POST versions (empty: none; `*` is refused)"),
    ("HOOKS_FILE", "WRITETHRU_HOOKS_FILE", str, "",
     "webhook subscriptions, TOML (empty: `<store>/writethru/hooks.toml`)"),
]

# How CACHE_MB is shared out. Diffs and rendered pages are what readers ask for again; a
# history is small per version but a live blog has thousands.
CACHE_SHARES = {"diffs": 0.3, "pages": 0.25, "histories": 0.15, "objects": 0.1,
                "annotations": 0.1, "stats": 0.1}


def cache_bytes(settings: dict, name: str) -> int:
    """Return the bytes the cache `name` may hold under the settings' CACHE_MB."""
    return int(settings["CACHE_MB"] * 1024 * 1024 * CACHE_SHARES[name])


class ConfigError(ValueError):
    """A setting from the environment could not be used."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"expected a boolean (true/false), got {raw!r}")


def base_url(raw: str) -> str:
    """Return the canonical base URL without its trailing slash ("" when unset); raise if unusable."""
    value = (raw or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"WRITETHRU_BASE_URL must be an absolute http(s) URL, got {raw!r}")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ConfigError("WRITETHRU_BASE_URL must have no query or fragment")
    return value.rstrip("/")


def defaults() -> dict:
    """Return the default settings."""
    out = {}
    for key, _env, parser, default, _doc in SETTINGS:
        out[key] = Path(default) if parser is Path else default
    return out


def from_env(environ=None) -> dict:
    """Return the settings that the environment overrides, parsed and checked."""
    environ = os.environ if environ is None else environ
    out = {}
    for key, env, parser, _default, _doc in SETTINGS:
        raw = environ.get(env)
        if raw is None:
            continue
        try:
            out[key] = _parse_bool(raw) if parser == "bool" else parser(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{env}: {exc}") from exc
    return out


def check(settings: dict) -> None:
    """Raise ConfigError if the settings cannot work together."""
    if settings["MAX_BODY"] <= 0:
        raise ConfigError("WRITETHRU_MAX_BODY must be a positive number of bytes")
    if settings["CACHE_MB"] < 1:
        raise ConfigError("WRITETHRU_CACHE_MB must be at least 1 (MiB)")
    if settings["MAX_PARAGRAPHS"] <= 0:
        raise ConfigError("WRITETHRU_MAX_PARAGRAPHS must be a positive number")
    try:
        re.compile(settings["PROMO_PATTERN"])
    except re.error as exc:
        raise ConfigError(f"WRITETHRU_PROMO_PATTERN: {exc}") from exc
    base_url(settings.get("BASE_URL", ""))
    origins(settings.get("CORS_ORIGINS", ""), "WRITETHRU_CORS_ORIGINS", star=True)
    origins(settings.get("CORS_WRITE_ORIGINS", ""), "WRITETHRU_CORS_WRITE_ORIGINS", star=False)


def origins(raw: str, name: str, *, star: bool) -> frozenset[str]:
    """Return the origins a CORS setting lists ({"*"} for any); raise if one is not an origin."""
    found = frozenset((raw or "").lower().replace(",", " ").split())
    if "*" in found:
        if not star:
            # A write from any page on the web is what CORS exists to stop: list the origins.
            raise ConfigError(f"{name} must list exact origins, not *")
        if len(found) > 1:
            raise ConfigError(f"{name}: * already allows every origin; give it alone")
        return found
    for origin in found:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or \
                origin != f"{parts.scheme}://{parts.netloc}":
            raise ConfigError(f"{name}: {origin!r} is not an origin such as "
                              "https://dashboard.example (scheme and host, no path)")
    return found
