"""NITF and XHTML bodies to paragraphs, read by a real XML parser (defusedxml over ElementTree).

defusedxml refuses what ElementTree would expand: entity declarations (the "billion laughs"),
external entities and DTDs that fetch. A body that is not well-formed XML is not refused here:
the caller reads it as HTML instead (`XmlBody.well_formed` False).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from .errors import UnprocessablePayload
from .html import BLOCK_TAGS, DROPPED_TAGS, Paragraphs

# NITF's own block elements inside <body.content>, besides those it shares with HTML (p, table...).
NITF_BLOCKS = frozenset({"hl1", "hl2", "block", "bq", "fn", "note", "credit", "nitf-table",
                         "tagline", "pre", "li", "dd", "dt", "ol", "ul", "dl"})
# Media references, their captions and metadata are not story text.
NITF_DROPPED = frozenset({"media", "media-reference", "media-metadata", "media-object",
                          "media-producer", "media-caption", "classifier", "nitf-table-metadata"})
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@dataclass
class XmlBody:
    """What an XML body gave: its paragraphs, and NITF's headline and byline when it had them."""

    paragraphs: list[str] = field(default_factory=list)
    headline: str | None = None
    byline: str | None = None
    well_formed: bool = True


def _local(tag: object) -> str:
    # "{http://www.w3.org/1999/xhtml}p" -> "p"; comments and PIs have a function as tag.
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _parse(text: str, where: str) -> Element | None:
    """Parse XML safely: None when not well-formed, 422 for entity or DTD tricks."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    # An XML declaration naming an encoding is refused by fromstring() on a str: the text
    # is already decoded, so the declaration has nothing left to say.
    text = _DECLARATION.sub("", text)
    try:
        return fromstring(text, forbid_dtd=False)
    except DefusedXmlException as exc:
        raise UnprocessablePayload(
            f"{where}: the XML declares entities or fetches external ones ({type(exc).__name__}); "
            "such bodies are refused", field=where) from exc
    except ParseError:
        return None


def _text_blocks(root: Element, blocks: frozenset[str], dropped: frozenset[str]) -> list[str]:
    """Return the text of the block elements under root, as `html.paragraphs_from_html` does."""
    collected = Paragraphs()
    buffer, flush = collected.buffer, collected.flush

    def one_line(text: str) -> str:
        return text.replace("\r", " ").replace("\n", " ")

    # A loop over a stack, not recursion: a body nested thousands deep is a valid document, and
    # must not reach Python's recursion limit (a 500) in the request that sent it.
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        name = _local(node.tag)
        if leaving:
            if name in blocks:
                flush()
            if node.tail:
                buffer.append(one_line(node.tail))
            continue
        if name in dropped:
            if node.tail:
                buffer.append(one_line(node.tail))
            continue
        if name == "br":
            buffer.append("\n")
        if name in blocks:
            flush()
        if node.text and name:
            buffer.append(one_line(node.text))
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node)))
    flush()
    return collected.paragraphs


def _first(root: Element, name: str) -> Element | None:
    return next((e for e in root.iter() if _local(e.tag) == name), None)


def _one_line(element: Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def read_nitf(text: str, where: str) -> XmlBody:
    """Read a NITF document (or its <body>): paragraphs of <body.content>, hl1, byline."""
    root = _parse(text, where)
    if root is None:
        return XmlBody(well_formed=False)
    content = _first(root, "body.content")
    found = XmlBody(headline=_one_line(_first(root, "hl1")),
                    byline=_one_line(_first(root, "byline")))
    if content is not None:
        found.paragraphs = _text_blocks(content, BLOCK_TAGS | NITF_BLOCKS,
                                        DROPPED_TAGS | NITF_DROPPED)
    return found


def read_xhtml(text: str, where: str) -> XmlBody:
    """Read an XHTML document or fragment (several root elements allowed) into paragraphs."""
    root = _parse(text, where)
    if root is None:
        # A fragment such as <p>a</p><p>b</p> has no single root: give it one.
        root = _parse(f"<div>{_DECLARATION.sub('', text)}</div>", where)
    if root is None:
        return XmlBody(well_formed=False)
    return XmlBody(paragraphs=_text_blocks(root, BLOCK_TAGS, DROPPED_TAGS))
