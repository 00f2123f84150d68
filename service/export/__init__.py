"""Research exports: articles, versions with metadata and changed units as JSON Lines or CSV.

No Flask: the CLI (`writethru export`) and the API (`GET /api/export`) both drive `Export`.
The schema is docs/EXPORT.md.
"""

from __future__ import annotations

from .exporter import WHATS, Export, parse_what
from .records import ACTIONS, CHANGE_KINDS, FIELDS
from .select import BadFilter, Selection, selection
from .writer import FORMATS, Sink, json_line, open_folder, open_stream

__all__ = [
    "ACTIONS", "CHANGE_KINDS", "FIELDS", "FORMATS", "WHATS", "BadFilter", "Export", "Selection",
    "Sink", "json_line", "open_folder", "open_stream", "parse_what", "selection",
]
