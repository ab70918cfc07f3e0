"""What a notebook page of the site may embed from a notebook: its saved HTML and SVG outputs, cleaned.

A notebook's outputs are whatever its code printed as HTML or SVG, and a course's notebooks come
from their authors, so the site treats them as JupyterLab treats an untrusted notebook: the markup
is parsed and written out again from an allow-list, and everything else is dropped.

- Elements: text formatting, lists, tables, images and the SVG that drawings are made of. Scripts,
  styles, frames, objects, forms and templates go with everything inside them; any other element
  goes but its text stays.
- Attributes: an allow-list per purpose (layout, SVG geometry and paint, links); never an event
  handler (``on…``), an ``id`` or ``name`` (they could stand in for the page's own elements).
- URLs: a link may go to http(s), mailto or a relative address; an image may show a ``data:``
  picture or a file of the site, never fetch from elsewhere; SVG may refer only within itself
  (``#id``). ``javascript:`` and every other scheme are dropped, however they are spelled.
- Styles: only declarations of listed properties, with plain values (no ``url(…)``).

The output holds only allowed elements and attributes, every value quoted and escaped, every text
escaped: a browser cannot read anything else into it, whatever the input was.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


ELEMENTS = _names(
    "a abbr b blockquote br caption code dd del details div dl dt em figcaption figure h1 h2 h3 h4 "
    "h5 h6 hr i img ins kbd li ol p pre q s samp small span strong sub summary sup table tbody td "
    "tfoot th thead tr u ul var "
    # SVG, as Graphviz and matplotlib write it
    "svg g title desc defs path polygon polyline line rect circle ellipse text tspan use "
    "lineargradient radialgradient stop clippath marker"
)
"""Elements kept (names as an HTML parser gives them: lower case)."""

DROPPED_WITH_CONTENT = _names(
    "script style template iframe frame frameset object embed applet noscript noembed noframes "
    "textarea xmp plaintext select button form math foreignobject"
)
"""Elements dropped together with everything inside them (code, or markup read differently)."""

VOID = frozenset(("br", "hr", "img"))
"""HTML elements with no end tag."""

ATTRIBUTES = _names(
    "class title lang dir role alt width height align colspan rowspan start type open "
    # SVG geometry and paint
    "viewbox preserveaspectratio xmlns xmlns:xlink version x y x1 y1 x2 y2 cx cy r rx ry dx dy d "
    "points transform fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-dasharray "
    "stroke-linecap stroke-linejoin stroke-miterlimit opacity font-family font-size font-weight "
    "font-style text-anchor dominant-baseline visibility offset stop-color stop-opacity "
    "gradientunits gradienttransform markerwidth markerheight refx refy orient marker-start "
    "marker-mid marker-end clip-path clippathunits"
)
"""Attributes kept as they are (besides ``aria-*``, URLs and ``style``, which are checked)."""

URL_ATTRIBUTES = frozenset(("href", "src", "xlink:href"))

STYLE_PROPERTIES = _names(
    "color background-color font-family font-size font-weight font-style text-align text-decoration "
    "vertical-align white-space width height max-width min-width max-height margin margin-top "
    "margin-right margin-bottom margin-left padding padding-top padding-right padding-bottom "
    "padding-left border border-collapse border-spacing display fill stroke stroke-width opacity"
)

STYLE_VALUE = re.compile(r"[\w\s#%.,()+\-/'\"!]*")

PICTURE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.I)

SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def sanitise(markup: str) -> str:
    """``markup`` (HTML, or SVG) with only what the allow-lists keep, written out afresh."""
    cleaner = _Cleaner()
    cleaner.feed(markup)
    cleaner.close()
    return "".join(cleaner.out)


def safe_url(url: str, attribute: str, element: str) -> str | None:
    """``url`` (cleaned as a browser reads it) if the element may have it in that attribute, else None.

    A browser ignores ASCII whitespace and control characters around a URL and tabs and newlines
    inside it (``java\\tscript:`` is ``javascript:``): the scheme is read as it would read it.
    """
    seen = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    scheme = SCHEME.match(seen.lower())
    if element == "a" and attribute != "xlink:href":
        return seen if scheme is None or scheme.group(1) in ("http", "https", "mailto") else None
    if element == "img":
        return seen if PICTURE.match(seen) else None  # a picture in the page: nothing fetched
    return seen if seen.startswith("#") else None  # SVG refers only within itself


def safe_style(style: str) -> str | None:
    """The declarations of ``style`` whose property is listed and whose value is plain, or None."""
    kept = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        plain = STYLE_VALUE.fullmatch(value) and "url(" not in value.lower().replace(" ", "")
        if colon and name in STYLE_PROPERTIES and plain and "expression" not in value.lower():
            kept.append(f"{name}: {value}")
    return "; ".join(kept) or None


def _kept_attributes(element: str, attributes: list[tuple[str, str | None]]) -> str:
    """The attributes of a kept element that may stay, written out quoted and escaped."""
    kept = []
    for name, raw in attributes:
        value = raw or ""
        checked: str | None = None  # on…, id, name, srcdoc, formaction and every name not listed: gone
        if name in ATTRIBUTES or name.startswith("aria-"):
            checked = value if _refers_within(value) else None
        elif name in URL_ATTRIBUTES:
            checked = safe_url(value, name, element)
        elif name == "style":
            checked = safe_style(value)
        if checked is not None:
            kept.append(f' {name}="{html.escape(checked, quote=True)}"')
    return "".join(kept)


def _refers_within(value: str) -> bool:
    """An SVG paint or clip value refers to nothing, or only within the drawing (``url(#id)``)."""
    return all(re.fullmatch(r"#[\w.:-]+", ref.strip()) for ref in re.findall(r"url\(([^)]*)\)?", value, re.I))


class _Cleaner(HTMLParser):
    """Writes out what it reads, keeping only allowed elements, attributes and all text, escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []  # the dropped elements we are inside, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in DROPPED_WITH_CONTENT:
            if tag in DROPPED_WITH_CONTENT and tag not in VOID:
                self.skipping.append(tag)
        elif tag in ELEMENTS:
            self.out.append(f"<{tag}{_kept_attributes(tag, attrs)}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag in ELEMENTS:
            self.out.append(f"<{tag}{_kept_attributes(tag, attrs)}>")
            if tag not in VOID:
                self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
        elif tag in ELEMENTS and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(html.escape(data, quote=False))
