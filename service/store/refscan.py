"""Every article's listing row in one pass: one `git cat-file --batch` process for all of them.

Reading four objects per article through ObjectReader (commit, tree, meta.json, article.txt,
each opened and inflated in Python) cost 17–42 s for 100,000 articles. Here git itself reads
them, pipelined: for each ref it is asked for the commit, `<commit>:meta.json` and
`<commit>:article.txt` (git resolves the tree itself), and Python parses what comes back.
Figures: docs/ARCHITECTURE.md, "The listing index (derived)".

The rows are exactly `refrows.row_at`'s: the commit is parsed the same way and the same trailer
rules apply. What this pass cannot answer alike it leaves to row_at, article by article: a
commit without a Writethru-Version trailer (not written by this store: its versions are
counted by walking the chain), an object git reports missing or of another type, a text that
is not UTF-8. When git cannot be run at all, every row comes from row_at.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from .objects import parse_commit
from .text import first_words

log = logging.getLogger(__name__)

_PARTS = 3  # the commit, its meta.json, its article.txt
R = TypeVar("R")
_TRAILERS = ("Writethru-Version", "Writethru-Ingested-Ns")


# text.split_text's rules, for its first paragraph only (the whole split was a fifth of a scan).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A line holding only white space (str.strip's, which is \s's): \s* may span breaks, but then
# the stretch between two of them is such a line too.
# A CR opens a line only when no LF follows it (CRLF is one break).
_BLANK_LINE = re.compile(r"(?:\A|\n|\r(?!\n))\s*(?:\r|\n|\Z)")


def first_paragraph(text: str) -> str | None:
    """Return split_text(text)[0] without splitting the rest, None when it has no paragraph."""
    blank = _BLANK_LINE.search(text)
    if not blank:  # a line a paragraph, and none of them blank
        return _LINE_BREAK.split(text, maxsplit=1)[0].strip()
    if blank.start():  # the lines before the first blank line: none of them blank
        lines = (line.strip() for line in _LINE_BREAK.split(text[:blank.start()]))
        return " ".join(line for line in lines if line)  # less a CR left of a CRLF
    current: list[str] = []  # blank lines first
    for line in _LINE_BREAK.split(text):
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            break
    return " ".join(current) if current else None


def title_of(text: str) -> str:
    """Return the first words of a text's first paragraph, as a listing shows them."""
    first = first_paragraph(text)
    return "" if first is None else first_words(first)


def trailers(message: str, keys: tuple[str, ...]) -> dict[str, int]:
    """Return CommitData.trailer(key) of each key found, reading the lines once."""
    found: dict[str, int] = {}
    prefixes = [(key, f"{key}: ") for key in keys]
    for line in reversed(message.splitlines()):
        for key, prefix in prefixes:
            if key not in found and line.startswith(prefix):
                rest = line[len(prefix):]
                if rest.strip().isdigit():
                    found[key] = int(rest)  # a digit int() refuses raises, as trailer() does
        if len(found) == len(keys):
            break
    return found


def _feed(stdin: IO[bytes], pairs: list[tuple[str, str]]) -> None:
    # A thread of its own: git answers while it is still being asked, and a pipe holds only
    # 64 KiB, so asking everything first and reading after would deadlock.
    try:
        # One write (about 16 MB for 100,000 articles): the thread then waits in the kernel,
        # without the GIL, instead of taking turns with the reader 300,000 times.
        stdin.write("".join(f"{sha}\n{sha}:meta.json\n{sha}:article.txt\n"
                            for _article, sha in pairs).encode())
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # git died: the reader sees the output end short and falls back


def _answers(stdout: IO[bytes], count: int) -> Iterator[tuple[str, bytes] | None]:
    """Yield (type, content) per request, None for one git reports missing."""
    for _ in range(count):
        header = stdout.readline()
        if not header:
            raise EOFError("git cat-file ended early")
        fields = header.split()
        if len(fields) != 3:  # `<name> missing` (or ambiguous)
            yield None
            continue
        size = int(fields[2])
        data = stdout.read(size + 1)  # the content and git's newline after it
        if len(data) != size + 1:
            raise EOFError("git cat-file ended early")
        yield fields[1].decode(), data[:size]


def scan_rows(repo: Path, refs: Iterable[tuple[str, str]], make: Callable[..., R],
              slow: Callable[[str, str], Iterator[R]]) -> Iterator[R]:
    """Yield the rows of (article id, commit id) pairs, in order, reading them in one pass.

    make(id, headline, versions, updated_at, commit, title) builds a row; slow(article, sha)
    yields that article's row the old way (or nothing when it must be left out), for what this
    pass cannot answer exactly.
    """
    pairs = list(refs)
    if not pairs:
        return
    try:
        proc = subprocess.Popen(
            # --buffer: git's stdio buffer, not a write per object; the feeder closes stdin.
            ["git", "--git-dir", str(repo), "cat-file", "--batch", "--buffer"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            bufsize=1 << 16)
    except OSError as exc:
        log.warning("listing: cannot run git cat-file (%s); reading objects one by one", exc)
        for article, sha in pairs:
            yield from slow(article, sha)
        return
    assert proc.stdin is not None and proc.stdout is not None
    feeder = threading.Thread(target=_feed, args=(proc.stdin, pairs), daemon=True,
                              name="writethru-index-cat-file")
    feeder.start()
    done = 0
    try:
        answers = _answers(proc.stdout, len(pairs) * _PARTS)
        for article, sha in pairs:
            commit, meta, text = next(answers), next(answers), next(answers)
            done += 1
            row = _row(make, article, sha, commit, meta, text)
            if row is None:
                yield from slow(article, sha)
            else:
                yield row
    except (EOFError, ValueError) as exc:
        log.warning("listing: git cat-file failed (%s); reading the rest one by one", exc)
        for article, sha in pairs[done:]:
            yield from slow(article, sha)
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()
        feeder.join()


def _row(make: Callable[..., R], article: str, sha: str, commit: tuple[str, bytes] | None,
         meta: tuple[str, bytes] | None, text: tuple[str, bytes] | None) -> R | None:
    """Return the row from git's answers, None where row_at must decide (see the docstring)."""
    if commit is None or commit[0] != "commit":
        return None
    if meta is None and text is None:
        return None  # no such files, or no tree at all (a broken store): row_at tells which
    if (meta is not None and meta[0] != "blob") or (text is not None and text[0] != "blob"):
        return None
    try:
        parsed = parse_commit(commit[1])
        found = trailers(parsed.message, _TRAILERS)
        info = json.loads(meta[1]) if meta is not None else {}
        body = text[1].decode() if text is not None else ""
    except (ValueError, UnicodeDecodeError):
        return None  # row_at meets the same and says so
    number = found.get("Writethru-Version")
    if number is None or not isinstance(info, dict):
        return None  # a chain not written by this store: row_at counts its versions
    when_ns = found.get("Writethru-Ingested-Ns") or parsed.time * 1_000_000_000
    return make(article, info.get("headline", ""), number, when_ns, sha, title_of(body))
