"""The publisher's description of a ninjs item kept in meta.json: language, urgency, status,
subjects, places and people.

ninjs 1.x names these `subject`, `place`, `person`, `pubstatus`; 2.x `subjects`, `places`,
`people`, `pubstatus`; 3.x the same lists with `pubStatus`. Stored under one set of keys
whatever the version, so a story re-sent in another generation of ninjs reads the same.
"""

from __future__ import annotations

from typing import Any

#: The meta keys this module writes. Lists hold small objects of strings; urgency is an int.
KEYS = ("language", "urgency", "pub_status", "subjects", "places", "people")
#: Stable fields of a subject, place or person: what it is and where it is defined. Left out:
#: confidence, relevance, creator (a classifier's scores, which change from send to send
#: without the story changing), geometry and contact details (large, and not the story's).
ENTITY_FIELDS = ("name", "uri", "code", "literal", "scheme", "rel", "type")
_LISTS = {"subjects": ("subjects", "subject"), "places": ("places", "place"),
          "people": ("people", "person")}
_STATUS = ("pubStatus", "pubstatus")


def publisher_meta(doc: dict) -> dict:
    """Return the language, urgency, pub_status, subjects, places and people of a ninjs item."""
    meta: dict[str, Any] = {}
    language = doc.get("language")
    if isinstance(language, str) and language.strip():
        meta["language"] = language.strip()
    urgency = doc.get("urgency")
    # bool is an int in Python; 1.6 allows a number, so 3.0 becomes 3.
    if isinstance(urgency, (int, float)) and not isinstance(urgency, bool) \
            and float(urgency).is_integer():
        meta["urgency"] = int(urgency)
    for key in _STATUS:
        status = doc.get(key)
        if isinstance(status, str) and status.strip():
            meta["pub_status"] = status.strip().lower()
            break
    for name, sources in _LISTS.items():
        items = [entity for key in sources for entity in _entities(doc.get(key))]
        if items:
            meta[name] = items
    return meta


def _entities(value: Any) -> list[dict]:
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        kept = {k: " ".join(item[k].split()) for k in ENTITY_FIELDS
                if isinstance(item.get(k), str) and item[k].strip()}
        if kept:
            found.append(kept)
    return found
