"""The `writethru` command line: click commands and their terminal rendering."""

from __future__ import annotations

from .commands import cli, main, serve
from .export import export
from .hooks import hooks
from .search import search
from .watch import watch

for _command in (export, hooks, search, watch):
    cli.add_command(_command)

__all__ = ["cli", "main", "serve"]
