"""The page shell: JSON that survives any label and non-finite floats, atomic saves, the notebook embed,
and the timeline in a real browser (with and without scripts)."""

import base64
import html
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd.pages import (
    DATA_ID,
    Page,
    decode_json,
    document,
    encode_json,
    read_data,
    svg_image,
    write_atomically,
)
from autograd.pages import shell as page_module
from nn.demo import lecture_neuron


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
        '[{"$float":"NaN"},{"$float":"Infinity"},{"$float":"-Infinity"}]'
    )


def test_a_label_with_a_closing_script_tag_stays_data():
    document = Counter(label="</script><script>alert(1)</script><!--").to_html()
    assert document.count("<script>alert(1)") == 0
    assert read_data(document)["label"] == "</script><script>alert(1)</script><!--"


def test_the_document_is_self_contained():
    document = Counter().to_html()
    assert document.startswith("<!DOCTYPE html>")
    assert "counter &lt;/title&gt; &amp; co" in document
    assert page_module.compact_script(page_module.asset("shell.js", "autograd.pages")) in document
    assert page_module.compact_style(page_module.asset("shell.css", "autograd.pages")) in document
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
    assert page_module.compact_style(page_module.asset("shell.css", "autograd.pages")) in Beside().to_html()


# --- scripts and styles as pages carry them: without comments and spare spaces ---------------------------

ASSETS = [
    ("shell.js", "autograd.pages"),
    ("explorer.js", "autograd.views"),
    ("training.js", "nn.instruments"),
    ("shell.css", "autograd.pages"),
    ("explorer.css", "autograd.views"),
    ("training.css", "nn.instruments"),
]
SITE_SCRIPTS = [Path(__file__).parent.parent / "web" / name for name in ("page.js", "lab.js")]
"""The site's scripts that its pages inline (its worker is a file of its own)."""

TRICKY = r"""// a comment: gone
var out = [];  // so is this one
out.push("a  // b", 'it\'s  // c', "\\" + "d  // e");  /* kept: code before it */
out.push(1 - -1, 2 + +2, 3 - - 3);
var i = 1; out.push(i++ + 1, i-- - 1);
out.push(/ +/g.test("  "), "a  b".replace(/ {2}/, "_"), 8 / 2 / 2);  // a regular expression
out.push(`a  ${1 + 1}
  // still text
    b`);
out.push(typeof out, void 0 === undefined, !out ? 1 : 2, [1, 2].map(function (x) { return x * 2; }));
if (out.length) {
  out.push("last");
}
return out;"""
"""A script that line-wise compaction could break: strings and a template with ``//`` and spaces in them,
``- -``, ``++ +``, regular expressions and a division, a template over three lines."""


def test_compacting_keeps_what_a_tricky_script_computes(page):
    compact = page_module.compact_script(TRICKY)
    assert "a comment" not in compact and "so is this one" not in compact
    assert "  // still text\n    b`" in compact  # a template keeps its lines as written
    run = "(source) => JSON.stringify(new Function(source)())"
    assert page.evaluate(run, compact) == page.evaluate(run, TRICKY)
    assert len(compact) < len(TRICKY)
    page.problems.check()


def test_compacting_never_writes_the_start_or_end_of_an_html_comment():
    assert page_module.compact_script("x = a < !--b;") == "x = a < !--b;"
    assert page_module.compact_script("y = b-- > a;") == "y = b-- > a;"
    assert page_module.compact_script("z = 1;  // one\nw = 2;") == "z=1;w=2;"
    assert page_module.compact_script('z = "http://x";\nw = 2;') == 'z="http://x";\nw=2;'


def test_the_explorer_works_from_its_compacted_script(page):
    document = autograd.explore(lecture_neuron()).to_html()
    assert "// " not in document.split(f'id="{DATA_ID}"')[1]  # no comment left in the scripts
    page.set_content(document)
    assert page.evaluate("chainrule.go(chainrule.frames)") == read_data(document)["frames"]
    assert page.evaluate("chainrule.set('w2', 0.5)")  # x2 (0.0) now passes on w2 · ∂o/∂n = 0.5 · 0.5
    assert page.evaluate("chainrule.grads()[3]") == pytest.approx(0.25)
    page.problems.check()


@pytest.mark.parametrize("path", SITE_SCRIPTS, ids=lambda path: path.name)
def test_every_script_the_pages_inline_still_parses_compacted(page, path):
    sources = [page_module.asset(name, package) for name, package in ASSETS if name.endswith(".js")]
    for source in [*sources, path.read_text(encoding="utf-8")]:
        compact = page_module.compact_script(source)
        assert len(compact) < 0.85 * len(source)
        assert page.evaluate("(source) => { new Function(source); return true; }", compact)
    page.problems.check()


@pytest.mark.parametrize(("name", "package"), [asset for asset in ASSETS if asset[0].endswith(".css")])
def test_a_compacted_style_has_the_very_rules_of_its_file(page, name, package):
    source = page_module.asset(name, package)
    compact = page_module.compact_style(source)
    assert "/*" not in compact and len(compact) < len(source)
    rules = """(text) => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(text);
      return [...sheet.cssRules].map((rule) => rule.cssText);
    }"""
    assert page.evaluate(rules, compact) == page.evaluate(rules, source)
    assert page_module.compact_style("a :hover { color: red; }\nb:hover{color : blue}") == (
        "a :hover{color:red}b:hover{color:blue}"
    )
    assert page_module.compact_style('a::after { content: "x, y"; }') == 'a::after { content: "x, y"; }'
    page.problems.check()


def test_a_compacted_drawing_says_its_shared_font_once_and_shows_the_same(page):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60">'
        '<text text-anchor="start" x="5" y="20" font-family="Helvetica,sans-Serif" font-size="11.00">'
        "data 2.0000</text>"
        '<text text-anchor="start" x="5" y="40" font-family="Helvetica,sans-Serif" font-size="11.00">'
        "grad 1.0000</text>"
        '<text text-anchor="middle" x="50" y="55" font-family="Times,serif" font-size="9.00">edge</text>'
        '<text class="own" x="100" y="20">+= 0.5</text></svg>'
    )
    shared = page_module.compact_drawing(svg)
    assert shared.count("Helvetica") == 1 and 'font-family="Times,serif" font-size="9.00"' in shared
    assert "start" not in shared and 'text-anchor="middle"' in shared
    style = "<style>.own { font: bold 13px monospace; }</style>"
    fonts = """() => [...document.querySelectorAll("text")].map((t) => {
      const style = getComputedStyle(t), box = t.getBBox();
      return [style.fontFamily, style.fontSize, style.fontWeight, style.textAnchor, box.x, box.width];
    })"""
    page.set_content(style + svg)
    before = page.evaluate(fonts)
    page.set_content(style + shared)
    assert page.evaluate(fonts) == before  # a page's own rule for a text still wins
    assert page_module.compact_drawing("<svg></svg>") == "<svg></svg>"
    page.problems.check()


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


def test_a_page_without_a_timeline_has_one_chainrule_that_its_script_extends(page):
    script = "window.chainrule.extend({hello: () => 'hi ' + window.chainrule.data.name});"
    page.set_content(document("plain", '<p id="p">text</p>', {"name": "</script>"}, scripts=[script]))
    assert page.evaluate("chainrule.hello()") == "hi </script>"
    assert page.evaluate("Object.keys(chainrule).sort()") == ["data", "extend", "hello"]  # no timeline
    error = page.evaluate("() => { try { chainrule.extend({data: 1}); } catch (e) { return e.message; } }")
    assert error == "chainrule.extend: chainrule.data exists already"
    assert page.evaluate("chainrule.data.name") == "</script>"
    page.problems.check()


TALL = """<div id="more" style="height: PXpx; background: #eee">tall</div>
<script>window.grow = function (px) { document.getElementById("more").style.height = px + "px"; };</script>"""


def embedded_height(page, px: int) -> float:
    """The iframe's height, once it has settled to the height of the page inside it (sandboxed, so
    seen through its own frame), checking that the page inside does not scroll."""
    inner = page.frames[1]
    inner.wait_for_function("px => document.getElementById('more').offsetHeight === px", arg=px)
    own = inner.evaluate("document.documentElement.getBoundingClientRect().height")
    page.wait_for_function(
        "own => Math.abs(document.querySelector('iframe').clientHeight - own) < 1", arg=own
    )
    assert inner.evaluate("document.documentElement.scrollHeight <= innerHeight")  # nothing cut
    return page.evaluate("document.querySelector('iframe').clientHeight")


@pytest.mark.parametrize("px", [20, 3000])
def test_an_embedded_page_is_exactly_as_tall_as_its_content(page, px):
    """No empty band under a short page, no cut under a tall one; and it follows its content."""

    class Sized(Counter):
        height = 600

        def body(self):
            return super().body() + TALL.replace("PX", str(px))

    page.set_content("<!DOCTYPE html><body style='margin:0'></body>")
    page.evaluate(RENDER_LIKE_JUPYTERLAB, Sized()._repr_html_())  # the same output shown twice
    height = embedded_height(page, px)
    assert (height < 200) if px == 20 else (height > 3000)
    page.frames[1].evaluate("grow(400)")  # content that changes resizes its iframe
    height = embedded_height(page, 400)
    assert 400 < height < 600
    page.problems.check()


def test_a_page_loaded_out_of_sight_lays_itself_out_again_once_shown(page):
    """A front end that renders an output hidden (a notebook in a background tab) loads its page with no
    room; once shown, the page loads again, so what its scripts measured is the room it has."""

    class Measuring(Counter):
        def body(self):
            return super().body() + "<script>window.measured = innerWidth;</script>"

    page.set_content("<!DOCTYPE html><body><div id='tab' style='display:none'></div></body>")
    page.evaluate(
        RENDER_LIKE_JUPYTERLAB.replace("document.body", "document.getElementById('tab')"),
        Measuring()._repr_html_(),
    )
    inner = page.frames[1]
    inner.wait_for_function("window.measured !== undefined")
    assert inner.evaluate("window.measured") == 0  # loaded out of sight: nothing to measure
    page.evaluate("document.getElementById('tab').style.display = 'block'")
    page.frames[1].wait_for_function("window.measured > 0")
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


# --- text no UTF-8 file can hold: a lone surrogate in a label or a title ---------------------------------

with_surrogates = st.text(st.characters(codec=None, categories=["Cs", "L", "P", "Zs"]), max_size=12)


@given(label=with_surrogates, title=with_surrogates)
def test_a_page_with_lone_surrogates_saves_and_its_data_keeps_them(tmp_path_factory, label, title):
    page = Counter(label=label)
    page.title = title
    path = tmp_path_factory.mktemp("saved") / "page.html"
    page.save(path)
    document = path.read_bytes().decode("utf-8")  # strict: every byte is UTF-8
    assert read_data(document)["label"] == label  # the very code points, surrogates too
    shown = title.encode("utf-8", "backslashreplace").decode("utf-8")  # a surrogate as its escape
    assert f"<title>{html.escape(shown)}</title>" in document
    output = page._repr_html_()  # a notebook output: its title attribute, its fallback
    assert f'title="{html.escape(shown)}"' in output.encode("utf-8").decode("utf-8")


def test_a_notebook_output_of_a_page_titled_with_a_lone_surrogate_can_be_written():
    page = Counter()
    page.title = "lone \udc80 title"
    assert 'title="lone \\udc80 title"' in page._repr_html_().encode("utf-8").decode("utf-8")


def test_the_explorer_and_the_training_view_save_labels_and_titles_with_lone_surrogates(tmp_path):
    import autograd
    import nn
    from nn import optim

    x = autograd.Value(2.0, label="lone \udc80 label")
    autograd.explore((x * 3).tanh()).save(tmp_path / "explorer.html")
    data = read_data((tmp_path / "explorer.html").read_text(encoding="utf-8"))
    assert data["nodes"][0]["name"] == "lone \udc80 label"

    X, y = nn.data.make_moons(n_samples=10, noise=0.1, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [2, 1], seed=0)
    recorder = nn.Recorder(model, X, y, grid=4)
    nn.fit(
        model,
        X,
        y,
        nn.hinge_loss,
        optim.SGD(model.parameters(), lr=0.2),
        2,
        progress=False,
        recorder=recorder,
    )
    nn.training_view(recorder, titles=["lone \ud800 title"]).save(tmp_path / "training.html")
    document = (tmp_path / "training.html").read_text(encoding="utf-8")
    assert read_data(document)["runs"][0]["title"] == "lone \ud800 title" and "lone \\ud800 title" in document


def test_writing_a_lone_surrogate_elsewhere_is_a_clear_error_and_writes_nothing(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"notes\.txt: cannot write '\\udc80' at character 4 \(in 'abc \\udc80 def'\)"
    ):
        write_atomically(path, "abc \udc80 def")
    assert path.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
