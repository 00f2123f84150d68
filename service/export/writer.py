"""Writing records as they come: JSON Lines (any record) or CSV (one kind per file).

A record is written as soon as it is made, so an export of any size holds one article in
memory. To a folder, each kind goes to its own file (`articles.jsonl`, `versions.csv`, ...);
to a stream, JSON Lines mixes the kinds (each record says its `record`), and CSV takes one kind.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from .records import FIELDS

__all__ = ["FORMATS", "Sink", "csv_value", "json_line", "open_folder", "open_stream"]

FORMATS = ("jsonl", "csv")


def json_line(record: dict) -> str:
    """Return a record as one line of JSON (UTF-8 kept as it is, a newline at the end)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_value(value: Any) -> Any:
    """Return a field as CSV text: null empty, booleans true/false, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


class Sink:
    """Where records go: one writer per kind over text streams this sink may own."""

    def __init__(self, fmt: str, streams: Mapping[str, IO[str]], owned: Sequence[IO[str]] = ()):
        self.fmt = fmt
        self._streams = dict(streams)
        self._owned = list(owned)
        self._csv: dict[str, Any] = {}
        if fmt == "csv":
            for kind, stream in streams.items():
                # csv quotes any field holding a quote, a comma or a line break and doubles
                # inner quotes (RFC 4180), so paragraphs with newlines read back whole.
                writer = csv.DictWriter(stream, fieldnames=FIELDS[kind], extrasaction="raise")
                writer.writeheader()
                self._csv[kind] = writer

    def write(self, kind: str, record: dict) -> None:
        """Write one record of `kind` (articles, versions or changes)."""
        if self.fmt == "csv":
            self._csv[kind].writerow({k: csv_value(v) for k, v in record.items()})
        else:
            self._streams[kind].write(json_line(record))

    def close(self) -> None:
        """Flush every stream and close those this sink opened."""
        for stream in self._streams.values():
            stream.flush()
        for stream in self._owned:
            stream.close()


def open_stream(stream: IO[str], fmt: str, kinds: Sequence[str]) -> Sink:
    """Return a sink writing every kind to one text stream (CSV: exactly one kind)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "csv" and len(kinds) != 1:
        raise ValueError("CSV holds one kind of record per file: to standard output, export "
                         "one of articles, versions or changes, or give a folder")
    return Sink(fmt, dict.fromkeys(kinds, stream))


def open_folder(folder: Path, fmt: str, kinds: Sequence[str]) -> tuple[Sink, list[Path]]:
    """Return a sink writing each kind to `<folder>/<kind>.<fmt>` (made or replaced), and the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{kind}.{fmt}" for kind in kinds]
    # newline="": the csv module writes its own line ends and the line breaks inside fields.
    streams = {kind: open(path, "w", encoding="utf-8", newline="")
               for kind, path in zip(kinds, paths, strict=True)}
    return Sink(fmt, streams, list(streams.values())), paths
