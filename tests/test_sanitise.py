"""The site build's defence in depth: a notebook's Markdown links and saved HTML/SVG outputs, hostile ones
included, reach a notebook's page only as the allow-lists of ``web/sanitise.py`` keep them."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web import build
from web.sanitise import ATTRIBUTES, ELEMENTS, safe_url, sanitise

PWN = "window.pwned=1"
"""What every hostile fragment tries to run; the browser tests check it never did."""

HOSTILE = [
    f"<script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    f"<svg onload={PWN}><g onclick='{PWN}'><rect width=5 height=5 /></g></svg>",
    f'<a href="javascript:{PWN}">a</a>',
    f'<a href=" JaVa&#x09;ScRiPt&colon;{PWN}">b</a>',
    f'<a href="&#106;avascript:{PWN}">c</a>',
    f'<a href="\x01javascript:{PWN}">d</a>',
    f'<iframe srcdoc="<script>{PWN}</script>"></iframe>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",
    f'<noscript><p title="</noscript><img src=x onerror={PWN}>"></noscript>',
    f"<svg><style><img src=x onerror={PWN}></style></svg>",
    f'<svg></p><style><a title="</style><img src onerror={PWN}>">',
    f'<svg><a xlink:href="javascript:{PWN}"><text>e</text></a></svg>',
    f'<svg><animate attributeName="href" to="javascript:{PWN}"/>',
    f'<set attributeName="onload" to="{PWN}"/></svg>',
    f'<svg><use href="data:image/svg+xml,<svg onload={PWN}>"/></svg>',
    f"<details open ontoggle={PWN}>",
    f'<form><button formaction="javascript:{PWN}">f</button></form>',
    f"<object data='javascript:{PWN}'></object><embed src='javascript:{PWN}'>",
    '<base href="http://evil.example/"><link rel=stylesheet href="http://evil.example/s.css">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
    '<img src="//evil.example/x.png"><img src="http://evil.example/y.png">',
    '<img src="\\\\evil.example\\z.png">',
    '<p style="background: url(http://evil.example/a.png); color: red">g</p>',
    '<svg><rect fill="url(http://evil.example/p.svg#p)" width=3 height=3 /></svg>',
    '<div id="chainrule-data" name="x">h</div>',
    f'<a href="data:text/html,<script>{PWN}</script>">i</a>',
    "<!-- <script>",
    "-->",
    "<![CDATA[ <script>",
    "]]>",
    "<title>",
    "</title>",
    "<textarea>",
    "<template><script>",
    "</",
    '"',
    "'",
    "<",
    ">",
    f' onmouseover="{PWN}" ',
    "<p>",
    "</p>",
    "<svg>",
    "<b>bold</b>",
]
"""Fragments of hostile markup (the usual sanitiser bypasses among them); tests join them at random."""

markup = st.lists(
    st.sampled_from(HOSTILE) | st.text(alphabet="<>\"'=/ &;#:xab-", max_size=8), max_size=8
).map("".join)
URL_ATTRIBUTES = ("href", "src", "xlink:href")


class Tags(HTMLParser):
    """Every start tag of a document, with its attributes, as an HTML parser reads them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags(text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser.tags


def assert_clean(text: str) -> None:
    for tag, attributes in tags(text):
        assert tag in ELEMENTS, tag
        for name, value in attributes:
            assert not name.startswith("on"), (tag, name)
            assert name in ATTRIBUTES or name in URL_ATTRIBUTES or name == "style" or name.startswith("aria-")
            if name in URL_ATTRIBUTES:
                assert safe_url(value or "", name, tag) == value, (tag, name, value)


@given(markup)
def test_sanitised_markup_holds_only_allowed_elements_and_attributes(text: str) -> None:
    cleaned = sanitise(text)
    assert_clean(cleaned)
    assert sanitise(cleaned) == cleaned  # what is kept is kept again as it is
    assert "<script" not in cleaned.lower() and "javascript:" not in cleaned.lower()


def test_a_markdown_link_with_a_quote_in_its_address_adds_no_attribute() -> None:
    html = build.markdown(f'see [this](x.html"onmouseover="{PWN}) and [that](a\'b.html)')
    assert tags(html) == [
        ("p", []),
        ("a", [("href", f'x.html"onmouseover="{PWN}')]),
        ("a", [("href", "a'b.html")]),
    ]
    assert 'href="x.html&quot;onmouseover=&quot;window.pwned=1"' in html


@pytest.mark.parametrize(
    "address",
    [f"javascript:{PWN}", f"JavaScript:{PWN}", f"java&#x09;script:{PWN}", "data:text/html,x", "vbscript:x"],
)
def test_a_markdown_link_to_script_is_its_text_alone(address: str) -> None:
    assert build.markdown(f"[click **me**]({address})") == "<p>click <strong>me</strong></p>"


def test_markdown_links_that_stay() -> None:
    text = "[a](https://example.org/a?b=1&c=2) [b](mailto:me@example.org) [c](../index.html#top)"
    hrefs = [dict(attributes)["href"] for tag, attributes in tags(build.markdown(text)) if tag == "a"]
    assert hrefs == ["https://example.org/a?b=1&c=2", "mailto:me@example.org", "../index.html#top"]


def test_a_notebooks_saved_outputs_lose_their_handlers_and_scripts() -> None:
    outputs: list[dict[str, Any]] = [
        {"output_type": "display_data", "data": {"image/svg+xml": HOSTILE[2], "text/plain": "<svg>"}},
        {"output_type": "display_data", "data": {"text/html": "".join(HOSTILE[:12]), "text/plain": "x"}},
        {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=\n", "text/plain": "png"}},
        {"output_type": "display_data", "data": {"image/png": f'x" onerror="{PWN}', "text/plain": "png"}},
    ]
    printed, shown = build.saved_outputs(outputs)
    assert printed == ""
    assert_clean(shown)
    assert "<svg><g><rect" in shown  # the drawing stays, without its handlers
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="image/png output">' in shown
    assert shown.count("<img") == 3 and "onerror" not in shown  # the broken picture keeps no src


def test_a_real_drawing_and_an_explorer_output_keep_what_they_show() -> None:
    import autograd

    x = autograd.Value(2.0, label="x")
    y = (x * x).tanh()
    svg = autograd.draw_dot(y).pipe(format="svg").decode("utf-8")
    kept = sanitise(svg)
    texts = sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert sorted(re.findall(r"<text[^>]*>([^<]*)</text>", kept)) == texts and len(texts) > 3
    for shape in ("<polygon", "<path", "<ellipse"):
        assert kept.count(shape) == svg.count(shape)
    explorer = sanitise(autograd.explore(y)._repr_html_())  # as an untrusted notebook shows it
    assert "<iframe" not in explorer and "<script" not in explorer
    assert re.search(r'<div class="chainrule-fallback"><img src="data:image/svg\+xml;base64,', explorer)


# --- in a real browser ------------------------------------------------------------------------------

FOUND_IN_THE_PAGE = """allowed => {
  const bad = [];
  for (const element of document.body.querySelectorAll("*")) {
    const tag = element.localName.toLowerCase();
    if (!allowed.elements.includes(tag)) bad.push(tag);
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || !(allowed.attributes.includes(name) || name.startsWith("aria-")))
        bad.push(`${tag} ${name}`);
      const value = attribute.value.replace(/[\\t\\n\\r]/g, "").trim().toLowerCase();
      if (["href", "src", "xlink:href"].includes(name) && /^[a-z][a-z0-9+.-]*:/.test(value) &&
          !/^(https?:|mailto:|data:image\\/)/.test(value))
        bad.push(`${tag} ${name}=${value}`);
    }
  }
  return bad;
}"""


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=markup)
def test_in_chromium_sanitised_markup_runs_nothing_and_fetches_nothing(page: Any, text: str) -> None:
    """The browser reads the output as the allow-lists say: no element, attribute or URL beyond them,
    nothing run (not even after pictures failed to load), no request (the page fixture fails on one)."""
    for seen in vars(page.problems).values():  # one page for every example: what this one did wrong
        seen.clear()
    page.set_content(f"<!DOCTYPE html><body>{sanitise(text)}</body>")
    page.wait_for_timeout(20)
    allowed = {
        "elements": sorted(ELEMENTS | {"html", "head", "body"}),
        "attributes": sorted(ATTRIBUTES | {"href", "src", "xlink:href", "style"}),
    }
    assert page.evaluate(FOUND_IN_THE_PAGE, allowed) == []
    assert page.evaluate("window.pwned") is None  # set by this example or an earlier one
    page.problems.check()


def test_in_chromium_the_hostile_fragments_together_run_nothing(page: Any) -> None:
    page.set_content(f"<!DOCTYPE html><body>{sanitise('<b>kept</b>' + ''.join(HOSTILE))}</body>")
    page.wait_for_timeout(200)
    assert page.evaluate("window.pwned") is None and page.locator("b").first.text_content() == "kept"
    page.problems.check()
