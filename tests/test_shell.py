"""The page shell: JSON that survives any label and non-finite floats, atomic saves, the notebook embed,
and the timeline in a real browser (with and without scripts)."""

import base64
import html
import math
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.pages import DATA_ID, Page, decode_json, encode_json, read_data, svg_image
from autograd.pages import shell as page_module


class Counter(Page):
    """A test page: frame k shows ``k`` in a paragraph; without scripts it shows the last frame."""

    title = "counter </title> & co"
    height = 200

    def __init__(self, frames: int = 3, label: str = "x") -> None:
        self.frames = frames
        self.label = label

    def data(self):
        return {"frames": self.frames, "label": self.label, "odd": [math.nan, math.inf, -math.inf, 1.5]}

    def body(self):
        return (
            f'<p id="count" class="cr-live">0</p><p id="static" class="cr-static">{self.frames}</p>'
            "<script>document.addEventListener('DOMContentLoaded', function () {"
            "chainrule.render(function (k) { document.getElementById('count').textContent = String(k); });"
            "});</script>"
        )

    def fallback(self):
        return f'<p id="fallback">{self.frames} (static)</p>'


# --- JSON inside a script element -------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


def same(a, b) -> bool:
    """Equal, with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


@given(json_values)
def test_json_round_trips_and_never_closes_its_script(value):
    text = encode_json(value)
    assert "<" not in text  # so neither </script> nor <!-- can appear
    assert same(decode_json(text), value)


def test_non_finite_floats_are_tagged_as_documented():
    assert encode_json([math.nan, math.inf, -math.inf]) == (
        '[{"$float": "NaN"}, {"$float": "Infinity"}, {"$float": "-Infinity"}]'
    )


def test_a_label_with_a_closing_script_tag_stays_data():
    document = Counter(label="</script><script>alert(1)</script><!--").to_html()
    assert document.count("<script>alert(1)") == 0
    assert read_data(document)["label"] == "</script><script>alert(1)</script><!--"


def test_the_document_is_self_contained():
    document = Counter().to_html()
    assert document.startswith("<!DOCTYPE html>")
    assert "counter &lt;/title&gt; &amp; co" in document
    assert page_module.asset("shell.js", "autograd.pages") in document
    assert page_module.asset("shell.css", "autograd.pages") in document
    assert not re.search(r"\b(src|href)=", document)  # nothing to fetch
    assert f'id="{DATA_ID}"' in document


def test_frames_must_be_a_whole_number():
    with pytest.raises(ValueError, match=r"Counter.data\(\): 'frames'"):
        Counter(frames=-1).to_html()
    with pytest.raises(ValueError, match="asset: name"):
        page_module.asset("../shell.py", "autograd.pages")


def test_a_page_takes_its_own_assets_from_its_package():
    class Styled(Counter):
        assets = ("extra.css",)
        asset_package = "nn.instruments"

    with pytest.raises(FileNotFoundError, match=r"extra\.css"):
        Styled().to_html()  # looked for in nn/instruments/
    assert "chainrule" in page_module.asset("training.js", "nn.instruments")


def test_a_page_takes_its_assets_from_beside_its_module_by_default():
    class Beside(Counter):
        assets = ("shell.css",)

    Beside.__module__ = "autograd.pages.example"  # a page defined in autograd/pages/
    assert page_module.asset("shell.css", "autograd.pages") in Beside().to_html()


def test_read_data_names_the_missing_block():
    with pytest.raises(ValueError, match="read_data: no <script"):
        read_data("<html></html>")


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "counter.html"
    Counter().save(path)
    assert path.read_text(encoding="utf-8") == Counter().to_html()
    assert [p.name for p in tmp_path.iterdir()] == ["counter.html"]

    def broken(self):
        raise RuntimeError("no data")

    monkeypatch.setattr(Counter, "data", broken)
    with pytest.raises(RuntimeError):
        Counter().save(path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")  # the old page, untouched


def test_repr_html_escapes_the_whole_document_into_srcdoc():
    output = Counter(label='" onload="alert(1)" &amp;')._repr_html_()
    srcdoc = re.search(r'srcdoc="([^"]*)"', output).group(1)
    assert html.unescape(srcdoc) == Counter(label='" onload="alert(1)" &amp;').to_html()
    assert 'sandbox="allow-scripts"' in output
    assert "display:none" in output.split("<iframe", 1)[1].split(">", 1)[0]  # hidden until a script shows it
    assert '<p id="fallback">3 (static)</p>' in output


# --- in a real browser ------------------------------------------------------------------------------


def test_timeline_steps_with_buttons_keys_and_play(page):
    page.set_content(Counter(frames=4).to_html())
    count = page.locator("#count")
    assert page.evaluate("chainrule.frames") == 4 and count.text_content() == "0"
    assert page.locator("#static").is_hidden()
    page.click('[data-cr="next"]')
    assert count.text_content() == "1"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("chainrule.frame") == 2
    page.keyboard.press("ArrowLeft")
    assert count.text_content() == "1"
    page.keyboard.press("End")
    assert count.text_content() == "4"
    page.keyboard.press("Home")
    assert count.text_content() == "0"
    assert page.evaluate("chainrule.go(99)") == 4  # clamped
    assert page.evaluate("chainrule.prev(), chainrule.frame") == 3
    page.select_option('[data-cr="speed"]', "30")
    page.keyboard.press(" ")  # play from 3 to the end
    page.wait_for_function("chainrule.frame === 4 && !chainrule.playing()")
    assert page.locator('[data-cr="label"]').text_content() == "frame 4 of 4"
    data = page.evaluate("[chainrule.data.label, chainrule.data.odd.map(String)]")
    assert data == ["x", ["NaN", "Infinity", "-Infinity", "1.5"]]
    page.problems.check()


def test_a_label_cannot_break_out_of_the_data_in_the_browser(page):
    page.set_content(Counter(label="</script><script>window.broken = 1</script>").to_html())
    assert page.evaluate("window.broken") is None
    assert page.evaluate("chainrule.data.label") == "</script><script>window.broken = 1</script>"
    page.problems.check()


def test_without_scripts_the_static_parts_show(browser):
    context = browser.new_context(java_script_enabled=False)
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    opened = context.new_page()
    try:
        opened.set_content(Counter().to_html())
        assert opened.locator("#static").is_visible() and opened.locator("#count").is_hidden()
        assert opened.locator(".cr-timeline").is_hidden()
        opened.set_content(Counter()._repr_html_())
        assert opened.locator("#fallback").is_visible() and opened.locator("iframe").is_hidden()
    finally:
        context.close()
    assert requests == []


def test_the_embed_shows_the_live_page_where_scripts_run(page):
    page.set_content(Counter(frames=5)._repr_html_())
    assert page.locator(".chainrule-fallback").is_hidden()
    assert page.locator("iframe").is_visible()
    inner = page.frame_locator("iframe")
    inner.locator('[data-cr="next"]').click()
    assert inner.locator("#count").text_content() == "1"
    page.problems.check()


RENDER_LIKE_JUPYTERLAB = """output => {
  // JupyterLab's trusted HTML output: innerHTML into a host, each script replaced by a fresh copy
  // (the only way such scripts run), the host attached to the document afterwards; shown twice.
  for (let copy = 0; copy < 2; copy++) {
    const host = document.createElement("div");
    host.innerHTML = output;
    for (const old of host.querySelectorAll("script")) {
      const fresh = document.createElement("script");
      fresh.textContent = old.textContent;
      old.replaceWith(fresh);
    }
    document.body.appendChild(host);
  }
}"""


def test_the_embed_works_when_a_notebook_runs_its_script_before_showing_it_twice(page):
    page.set_content("<!DOCTYPE html><body></body>")
    page.evaluate(RENDER_LIKE_JUPYTERLAB, Counter(frames=2)._repr_html_())
    assert page.locator("iframe").count() == 2
    for k in range(2):
        assert page.locator("iframe").nth(k).is_visible()
        assert page.locator(".chainrule-fallback").nth(k).is_hidden()
    page.problems.check()


class Sanitiser(HTMLParser):
    """What JupyterLab does to an untrusted notebook's HTML output (its sanitize-html settings, in short):
    scripts and styles go with their text; tags outside a safe list (iframe, svg and its parts) go but
    their text stays; only safe attributes stay (class, id, style, title, hidden; img's src and alt)."""

    TAGS = frozenset(
        (
            "a",
            "b",
            "br",
            "code",
            "div",
            "em",
            "h3",
            "i",
            "img",
            "li",
            "p",
            "pre",
            "small",
            "span",
            "strong",
            "ul",
        )
    )
    ATTRIBUTES = frozenset(("class", "id", "style", "title", "hidden", "src", "alt"))
    DROPPED_WITH_TEXT = frozenset(("script", "style"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.DROPPED_WITH_TEXT:
            self.skipping += 1
        elif tag in self.TAGS and not self.skipping:
            kept = "".join(f' {k}="{html.escape(v or "")}"' for k, v in attrs if k in self.ATTRIBUTES)
            self.out.append(f"<{tag}{kept}>")

    def handle_endtag(self, tag):
        if tag in self.DROPPED_WITH_TEXT:
            self.skipping -= 1
        elif tag in self.TAGS and not self.skipping:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def sanitise(markup: str) -> str:
    parser = Sanitiser()
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)


def test_an_untrusted_or_static_output_shows_only_the_fallback(page):
    """JupyterLab's sanitiser (an untrusted notebook) strips scripts and the iframe: the fallback stays."""
    output = sanitise(Counter()._repr_html_())
    assert "<iframe" not in output and "<script" not in output
    page.set_content(output)
    assert page.locator("#fallback").is_visible()
    # a viewer that strips only scripts (and keeps the iframe) shows the fallback, not an empty frame
    page.set_content(re.sub(r"<script>.*?</script>", "", Counter()._repr_html_(), flags=re.S))
    assert page.locator("#fallback").is_visible() and page.locator("iframe").is_hidden()
    page.problems.check()


def test_svg_image_survives_a_sanitiser_and_shows(page):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text y="20">a&lt;b</text></svg>'
    markup = svg_image(svg, 'the "graph"')
    assert sanitise(markup) == markup
    encoded = re.search(r"base64,([^\"]+)", markup).group(1)
    assert base64.b64decode(encoded).decode("utf-8") == svg
    page.set_content(sanitise(markup))
    assert page.evaluate("document.querySelector('img').naturalWidth") == 120
    page.problems.check()
