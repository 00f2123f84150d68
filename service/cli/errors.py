"""User errors of the command line: one line on stderr, no traceback, a Unix exit code."""

from __future__ import annotations

from contextlib import contextmanager

import click

from .. import config
from ..ingest import IngestError
from ..store import InvalidArticleId, StoreError
from ..store.errors import StoreFull


class CliError(click.ClickException):
    """A user error: one line on stderr, no traceback; exit 1, or 2 for a bad argument."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        # click types exit_code as a ClassVar, yet reads it from the instance when exiting.
        self.exit_code = exit_code  # type: ignore[misc]


@contextmanager
def user_errors():
    """Turn the domain's errors into one-line CLI errors."""
    try:
        yield
    except InvalidArticleId as exc:
        raise CliError(str(exc), exit_code=2) from exc
    except StoreFull as exc:
        raise CliError(f"the store's disk is full, so this was not saved ({exc}); free some "
                       "space, then run the command again") from exc
    except (StoreError, IngestError, config.ConfigError) as exc:
        raise CliError(str(getattr(exc, "detail", None) or exc)) from exc
