"""Reading version files and article folders for `writethru ingest`, `import` and `seed`."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from ..ingest import IngestError, parse_payload
from ..store import ArticleNotFound, GitStore, validate_article_id
from .errors import CliError, user_errors

# File name endings the CLI knows, and the content type ingest is told for each.
CONTENT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".json": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
}


# --type's short names, and the full types ingest takes (parameters such as charset allowed).
TYPE_NAMES = {"text": "text/plain", "json": "application/json", "html": "text/html",
              "ninjs": "application/ninjs+json"}
FULL_TYPES = frozenset({*TYPE_NAMES.values(), "application/vnd.iptc.ninjs+json"})


def content_type_option(_ctx, _param, value: str | None) -> str | None:
    """Turn --type into a content type: a short name or a full type ingest takes (click callback)."""
    if value is None:
        return None
    short = TYPE_NAMES.get(value.strip().lower())
    if short:
        return short
    if value.split(";", 1)[0].strip().lower() in FULL_TYPES:
        return value
    raise click.BadParameter(f"{value!r} is not a type writethru reads; use one of "
                             f"{', '.join(TYPE_NAMES)} or {', '.join(sorted(FULL_TYPES))}")


def sniffed_json(body: bytes) -> bool:
    """Tell whether a body is a JSON object: first non-space byte `{`, and it parses as one."""
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(body.decode("utf-8-sig")), dict)
    except ValueError:  # malformed JSON, or not UTF-8: text it is
        return False


def _content_type(path: Path, forced: str | None, body: bytes) -> str:
    if forced:
        return forced
    try:
        return CONTENT_TYPES[path.suffix.lower()]
    except KeyError:
        if sniffed_json(body):
            return "application/json"
        raise CliError(f"{path}: cannot tell the format from the name; name it .txt, .json or "
                       ".html, or give --type") from None


def parse_stdin(forced_type: str | None):
    """Read standard input and parse it (as --type, else JSON if it is a JSON object, else text)."""
    with click.open_file("-", "rb") as stdin:
        body = stdin.read()
    kind = forced_type or ("application/json" if sniffed_json(body) else "text/plain")
    try:
        return parse_payload(body, kind,
                             max_paragraphs=click.get_current_context().obj["MAX_PARAGRAPHS"])
    except IngestError as exc:
        raise CliError(f"standard input: {exc.detail}") from exc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def parse_file(path: Path, forced_type: str | None = None):
    """Read and parse one file into a Submission, or raise CliError naming the file."""
    body = _read(path)
    try:
        return parse_payload(body, _content_type(path, forced_type, body),
                             max_paragraphs=click.get_current_context().obj["MAX_PARAGRAPHS"])
    except IngestError as exc:
        raise CliError(f"{path}: {exc.detail}") from exc


def _article_dirs(root: Path) -> list[Path]:
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as exc:
        raise CliError(f"cannot read {root}: {exc.strerror}") from exc


def _version_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _plan(store: GitStore, folder: Path) -> tuple[list[Path], int]:
    """Check one article folder; return its files and how many are already in the store.

    File k of the folder is version k+1. Versions already present must hold the same
    paragraphs, so that loading a folder twice adds nothing instead of re-sending v1 on top.
    """
    article_id = folder.name
    with user_errors():
        validate_article_id(article_id)
    files = _version_files(folder)
    if not files:
        raise CliError(f"{folder}: no version files")
    with user_errors():
        try:
            present = len(store.versions(article_id))
        except ArticleNotFound:
            present = 0
    for number, path in enumerate(files, start=1):
        submission = parse_file(path)
        if number <= present:
            with user_errors():
                stored = store.read(article_id, number)
            if list(stored.paragraphs) != list(submission.paragraphs):
                raise CliError(f"{path}: {article_id} v{number} in the store has different "
                               "text; refusing to load this folder")
    return files, min(present, len(files))


def _count_files(folder: Path) -> int:
    """Count a folder's version files as _version_files finds them (for the progress bar)."""
    try:
        with os.scandir(folder) as entries:
            return sum(1 for e in entries if e.is_file() and not e.name.startswith("."))
    except OSError as exc:
        raise CliError(f"cannot read {folder}: {exc.strerror}") from exc


# Articles imported with at least this many versions get their diff facts (stats, provenance)
# computed during the import: on demand, the first annotate of a 5,000-version story took 2.7 s;
# shorter stories cost a few diffs on demand, and doing them all would double a large import.
LONG_HISTORY = 64


def load(store: GitStore, root: Path, *, progress: bool,
         learn: Callable[[str], object] | None = None) -> dict:
    """Check every folder under root, then write the versions the store lacks.

    Articles the store does not have yet are parsed one folder at a time and streamed into one
    pack (store/packs.py); the pack reaches the store, and their refs move, only once every
    file has been read and checked, so a bad file writes nothing. Articles the store has are
    checked as before (_plan) and saved version by version after that. Ends with the refs
    packed and the listing index current. learn(article_id), when given, is called for each
    new article of at least LONG_HISTORY versions (the CLI passes the Differ's annotate, which
    keeps the diff facts of the whole history).
    """
    folders = _article_dirs(root)
    if not folders:
        raise CliError(f"{root}: no article folders (expected one folder per article)")
    total = sum(_count_files(folder) for folder in folders)
    counts = {"articles": len(folders), "created": 0, "identical": 0, "present": 0}
    bar = click.progressbar(length=total, label="Importing", file=sys.stderr,
                            item_show_func=lambda item: item) if progress else _NullBar()
    with bar, user_errors():
        taken, written, later = _stream_new(store, folders, counts, bar)
        # Articles a POST created while the pack was written keep their refs: saved as usual.
        for article_id in taken:
            new, same = written[article_id]
            counts["created"] -= new
            counts["identical"] -= same
            later.append((article_id, _version_files(root / article_id), 0))
        for article_id, files, present in later:
            for path in files[present:]:
                saved = store.save(article_id, parse_file(path))
                counts["created" if saved.created else "identical"] += 1
                bar.update(0 if article_id in taken else 1, article_id)  # taken: counted
    long = [a for a, (new, _) in written.items() if new >= LONG_HISTORY and a not in taken]
    if learn is not None and long:
        facts = click.progressbar(long, label="Diffing long histories", file=sys.stderr) \
            if progress else contextlib.nullcontext(long)
        with facts as articles, user_errors():
            for article_id in articles:
                learn(article_id)
    return counts


def _stream_new(store: GitStore, folders: list[Path], counts: dict, bar
                ) -> tuple[list[str], dict[str, tuple[int, int]], list]:
    """Check every folder; pack the new articles and publish their refs.

    Returns (ids of the new articles whose ref a POST took meanwhile, {id: (new, identical)}
    of every packed article, [(id, files, present)] of the articles to save).
    """
    later: list[tuple[str, list[Path], int]] = []
    written: dict[str, tuple[int, int]] = {}
    bulk = store.bulk_import()
    try:
        for folder in folders:
            article_id = folder.name
            validate_article_id(article_id)
            if store.head(article_id) is not None:
                files, present = _plan(store, folder)
                counts["present"] += present
                later.append((article_id, files, present))
                bar.update(present, article_id)
                continue
            files = _version_files(folder)
            if not files:
                raise CliError(f"{folder}: no version files")
            new, same = bulk.add(article_id, [parse_file(path) for path in files])
            written[article_id] = (new, same)
            counts["created"] += new
            counts["identical"] += same
            bar.update(len(files), article_id)
        heads = bulk.finish()
    except BaseException:
        bulk.abort()  # the pack never reaches the store
        raise
    try:
        taken = bulk.publish(heads)
    finally:
        bulk.close()
    if heads:
        bulk.pack_refs()
        store.ensure_index()  # one pass over the refs: seconds for 100,000 articles
    return taken, written, later


class _NullBar:
    """Stand-in for click.progressbar when no bar is wanted."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, steps: int, current_item=None) -> None:
        """Do nothing (the bar's step)."""
