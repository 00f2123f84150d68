"""The diff engine: paragraph diffs of two versions, annotate, and the Differ that caches them.

No Flask and no store import here: the Differ reads versions through any object with the
store's `read`, `versions` and `read_many`.
"""

from __future__ import annotations

from .annotate import annotate, annotate_from_diffs
from .differ import Comparison, Differ, VersionDiff
from .digest import digest_of, update_digest
from .display import Fold, display_rows, fold_rows
from .engine import KINDS, Diff, diff_paragraphs
from .ignore import NOTHING, BadIgnore, Ignore, ignore_label, parse_ignore
from .lossless import LossError, verify
from .meta import meta_changes
from .summary import describe_change

__all__ = [
    "KINDS", "NOTHING", "BadIgnore", "Comparison", "Diff", "Differ", "Fold", "Ignore", "LossError",
    "VersionDiff", "annotate", "annotate_from_diffs", "describe_change", "diff_paragraphs",
    "digest_of", "display_rows", "fold_rows", "ignore_label", "meta_changes", "parse_ignore", "update_digest",
    "verify",
]
