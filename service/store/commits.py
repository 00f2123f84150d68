"""What a version's commit holds besides its text: meta.json's bytes, identity, and the message.

The message ends in trailers (`Writethru-Version`, `-Paragraphs`, `-Words`, `-Ingested-Ns`) so a
history listing reads commits and meta.json only, never the texts.
"""

from __future__ import annotations

import json

from .objects import object_id
from .submission import Submission
from .text import count_words


def meta_json(meta: dict) -> bytes:
    """Serialise metadata as stored: sorted keys, indent 2, final newline."""
    return (json.dumps(meta, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


# Stored in meta.json but not part of a version's identity: how a story was sent
# is not what it says.
NOT_IDENTITY = ("source_format",)


def identity_id(meta: dict) -> str:
    """Return the id of the publisher's metadata: meta.json's blob id without NOT_IDENTITY keys."""
    return blob_id(meta_json({k: v for k, v in meta.items() if k not in NOT_IDENTITY}))


def commit_message(article_id: str, number: int, submission: Submission, when_ns: int) -> str:
    """Return a version's commit message: a title line, the label, and the Writethru trailers."""
    meta = submission.meta
    title = meta.get("headline") or " ".join(submission.text.split()[:10])
    if len(title) > 72:
        title = title[:71].rstrip() + "…"
    parts = [f"{article_id} v{number}: {title}"]
    if meta.get("label"):
        parts.append(meta["label"])
    parts.append(
        f"Writethru-Version: {number}\n"
        f"Writethru-Paragraphs: {len(submission.paragraphs)}\n"
        f"Writethru-Words: {count_words(submission.paragraphs)}\n"
        # Lets a rebuilt index keep the order of versions saved within one second.
        f"Writethru-Ingested-Ns: {when_ns}\n"
    )
    return "\n\n".join(parts)


def blob_id(data: bytes) -> str:
    """Return the git object id of a blob holding data."""
    return object_id(b"blob", data).hex()
