"""The `writethru` command line: click commands and their terminal rendering."""

from __future__ import annotations

from .commands import cli, main, serve
from .search import search

cli.add_command(search)

__all__ = ["cli", "main", "serve"]
