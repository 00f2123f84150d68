"""Reading version files and article folders for `writethru ingest`, `import` and `seed`."""

from __future__ import annotations

import sys
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


def _content_type(path: Path, forced: str | None) -> str:
    if forced:
        return forced
    try:
        return CONTENT_TYPES[path.suffix.lower()]
    except KeyError:
        raise CliError(f"{path}: cannot tell the format from the name; name it .txt, .json or "
                       ".html, or give --type") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def parse_file(path: Path, forced_type: str | None = None):
    """Read and parse one file into a Submission, or raise CliError naming the file."""
    body = _read(path)
    try:
        return parse_payload(body, _content_type(path, forced_type),
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


def load(store: GitStore, root: Path, *, progress: bool) -> dict:
    """Check every folder under root, then save the versions the store lacks."""
    folders = _article_dirs(root)
    if not folders:
        raise CliError(f"{root}: no article folders (expected one folder per article)")
    plans = [(folder.name, *_plan(store, folder)) for folder in folders]
    todo = [(aid, path) for aid, files, present in plans for path in files[present:]]
    counts = {"articles": len(plans), "created": 0, "identical": 0,
              "present": sum(present for _aid, _files, present in plans)}
    bar = click.progressbar(todo, label="Importing", file=sys.stderr,
                            item_show_func=lambda item: item[0] if item else None) \
        if progress else _NullBar(todo)
    with bar as items, user_errors():
        for article_id, path in items:
            saved = store.save(article_id, parse_file(path))
            counts["created" if saved.created else "identical"] += 1
    return counts


class _NullBar:
    """Stand-in for click.progressbar when no bar is wanted."""

    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False
