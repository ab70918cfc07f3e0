"""draw_dot: the DOT it writes (nodes, edges, names, styles) and real rendering without system Graphviz."""

import math
import os
import re
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Parameter, Value, draw_dot, find_renderer
from autograd.views.draw import STYLES, visible

SVG = "{http://www.w3.org/2000/svg}"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def hand_made_neuron():
    """tanh(w·x + b) with parameters named and given roles the way nn does, then a squared error."""
    w = [Parameter(0.5, label="w.0", role="weight"), Parameter(-1.5, label="w.1", role="weight")]
    b = Parameter(0.25, label="b", role="bias")
    x = [Value(2.0, label="x0"), Value(-1.0, label="x1")]
    y = (autograd.dot(w, x) + b).tanh()
    loss = (y - 1.0) ** 2
    loss.backward()
    return loss, w, b, x, y


def nodes(source):
    """Top-level node statements: {id: attribute text without the label}."""
    found = {}
    for ident, rest in re.findall(r"^\t(\w+) \[(.*)\]$", source, re.M):
        found[ident] = re.sub(r"label=<.*?</TABLE>>", "", rest)
    return found


def attributes(text):
    return dict(re.findall(r'(\w+)=("[^"]*"|[^\s\]]+)', text))


def edges(source):
    return re.findall(r"^\t(\w+) -> (\w+)", source, re.M)


def value_nodes(source):
    return [ident for ident in nodes(source) if re.fullmatch(r"v\d+", ident)]


@pytest.fixture
def no_system_dot(monkeypatch):
    """PATH without any directory holding a `dot`, so the renderer must be graphviz-pure."""
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "dot").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))


def test_nodes_and_edges_match_the_graph():
    loss, *_ = hand_made_neuron()
    order = autograd.topological_order(loss)
    source = draw_dot(loss).source
    operations = [v for v in order if not v.is_leaf]
    assert len(value_nodes(source)) == len(order)
    assert sorted(i for i in nodes(source) if i.endswith("op")) == sorted(
        f"v{order.index(v)}op" for v in operations
    )
    expected = {(f"v{order.index(v)}op", f"v{order.index(v)}") for v in operations}
    expected |= {(f"v{order.index(x)}", f"v{order.index(v)}op") for v in operations for x in v.inputs}
    drawn = [e for e in edges(source) if not e[0].startswith("legend")]
    assert len(drawn) == sum(len(v.inputs) + 1 for v in operations)
    assert set(drawn) == expected


def test_a_value_used_twice_gets_two_arrows():
    a = Value(3.0, label="a")
    source = draw_dot(a * a).source
    assert edges(source).count(("v0", "v1op")) == 2


def test_labels_data_and_grad_are_shown():
    loss, w, *_ = hand_made_neuron()
    source = draw_dot(loss).source
    for name in ("w.0", "w.1", "b", "x0", "x1"):
        assert f"<TD>{name}</TD>" in source
    assert f"<TD>data {w[0].data:.4f}</TD>" in source
    assert f"<TD>grad {w[1].grad:.4f}</TD>" in source
    assert f"<TD>grad {loss.grad:.2f}</TD>" in draw_dot(loss, format_spec=".2f").source


def test_each_kind_has_its_own_style_the_same_across_the_graph_and_a_legend():
    loss, w, b, x, y = hand_made_neuron()
    order = autograd.topological_order(loss)
    found = nodes(draw_dot(loss).source)

    def style_of(value):
        keys = ("style", "fillcolor", "color")
        return tuple(attributes(found[f"v{order.index(value)}"])[k].strip('"') for k in keys)

    constant = next(v for v in order if not v.requires_grad)
    styles = {
        "weight": style_of(w[0]),
        "bias": style_of(b),
        "input": style_of(x[0]),
        "constant": style_of(constant),
        "intermediate": style_of(y),
    }
    assert style_of(w[1]) == styles["weight"] and style_of(x[1]) == styles["input"]
    assert len(set(styles.values())) == 5
    for kind, (style, fill, colour) in styles.items():
        assert (style, fill, colour) == tuple(STYLES[kind][k] for k in ("style", "fillcolor", "color"))
        assert f"legend_{kind}" in draw_dot(loss).source
    assert "legend_weight" not in draw_dot(x[0] * 2).source  # only kinds that appear
    assert "legend" not in draw_dot(loss, legend=False).source


def test_awkward_labels_are_escaped_and_render(no_system_dot):
    a = Value(1.0, label='a<b|{c} "q" \\ & ]')
    drawing = draw_dot(a * 2)
    assert "a&lt;b|{c} &quot;q&quot; \\\\ &amp; ]" in drawing.source  # Graphviz reads \\ as one \
    svg = drawing.pipe("svg", encoding="utf-8")
    assert texts_of(svg, "v0")[0] == 'a<b|{c} "q" \\ & ]'


def test_a_drawing_reads_the_same_every_time_without_a_memory_address():
    a = Value(2.0, label="a")
    text = repr(draw_dot(a * a, legend=False))
    assert text == repr(draw_dot(a * a, legend=False))
    assert text == "<autograd.Drawing: 3 DOT nodes and 3 edges>"  # a enters the product twice


def test_the_same_graph_gives_the_same_dot_text_every_time():
    first, *_ = hand_made_neuron()
    second, *_ = hand_made_neuron()
    options = {"show_local_derivatives": True, "color_by_grad": True}
    assert draw_dot(first, **options).source == draw_dot(second, **options).source


def test_local_derivatives_label_the_arrows():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    source = draw_dot(a * b, show_local_derivatives=True).source
    assert re.search(r"v0 -> v2op \[id=v2op_in0 .*taillabel=<.*<TD>∂ -3\.0000</TD>", source)  # ∂(ab)/∂a = b
    assert re.search(r"v1 -> v2op \[id=v2op_in1 .*taillabel=<.*<TD>∂ 2\.0000</TD>", source)  # ∂(ab)/∂b = a
    assert "∂" not in draw_dot(a * b).source


def test_colour_by_grad_follows_sign_and_size():
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    y = 4 * a - 2 * b + 0 * c
    y.backward()
    order = autograd.topological_order(y)
    found = nodes(draw_dot(y, color_by_grad=True).source)

    def fill(value):
        return attributes(found[f"v{order.index(value)}"])["fillcolor"].strip('"')

    assert fill(a) == "#d62728"  # largest gradient, positive: full red
    assert fill(c) == "#ffffff"  # no gradient: white
    red, _, blue = (int(fill(b)[i : i + 2], 16) for i in (1, 3, 5))
    assert blue > red and 255 > red > 31  # negative, half as large: a lighter blue
    # in the legend only borders tell kinds apart: a filled sample would read as a gradient
    source = draw_dot(y, color_by_grad=True).source
    assert re.search(r'\tlegend_input \[.*fillcolor="#ffffff"', source) and "fill: grad" in source


def test_top_to_bottom_on_request_and_bad_options_are_named():
    a = Value(1.0)
    assert "rankdir=TB" in draw_dot(a * 2, rankdir="TB").source
    assert "rankdir=LR" in draw_dot(a * 2).source
    for options, word in [
        ({"rankdir": "sideways"}, "rankdir"),
        ({"group": "brain"}, "group"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"format_spec": "q"}, "format_spec"),
    ]:
        with pytest.raises(ValueError, match=word):
            draw_dot(a * 2, **options)
    with pytest.raises(TypeError, match="draw_dot"):
        draw_dot(3.0)


def test_renders_svg_and_png_with_graphviz_pure(no_system_dot, tmp_path):
    assert Path(find_renderer()).name.startswith("graphviz-pure")
    loss, *_ = hand_made_neuron()
    drawing = draw_dot(loss)
    svg = drawing.pipe(format="svg", encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for text in ("w.0", "w.1", "x0", "b", "tanh", f"grad {loss.grad:.4f}"):
        assert f">{text}</text>" in svg
    assert drawing.pipe(format="png").startswith(PNG_SIGNATURE)
    assert drawing._repr_mimebundle_() == {"image/svg+xml": svg}
    assert drawing._repr_svg_() == svg

    saved = drawing.render(tmp_path / "graph", format="png")
    assert saved == str(tmp_path / "graph.png")
    assert Path(saved).read_bytes().startswith(PNG_SIGNATURE)
    assert (tmp_path / "graph").read_text(encoding="utf-8") == drawing.source
    outfile = drawing.render(outfile=tmp_path / "picture.svg", cleanup=True)
    assert "</svg>" in Path(outfile).read_text(encoding="utf-8")
    assert not (tmp_path / "picture.gv").exists()


def test_a_clear_error_when_no_renderer_is_installed(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda *args, **kwargs: str(empty))
    drawing = draw_dot(Value(1.0) * 2)
    assert "digraph" in drawing.source  # building the DOT text needs no renderer
    with pytest.raises(autograd.RendererNotFoundError, match="pip install graphviz-pure"):
        drawing.pipe("svg")


def test_renderer_errors_are_reported(no_system_dot):
    with pytest.raises(autograd.RenderError, match="no-such-format"):
        draw_dot(Value(1.0) * 2).pipe("no-such-format")


def test_parameters_of_an_nn_model_show_their_dotted_names():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    source = draw_dot(loss).source
    for name, parameter in model.named_parameters():
        assert f"<TD>{name}</TD>" in source
        kind = attributes(nodes(source)[f"v{autograd.topological_order(loss).index(parameter)}"])
        assert kind["fillcolor"].strip('"') == STYLES[parameter.role]["fillcolor"]
    renamed = draw_dot(loss, names={"first": model.parameters()[0]}).source
    assert "<TD>first</TD>" in renamed and "<TD>layers.0.neurons.0.w.0</TD>" not in renamed
    with pytest.raises(TypeError, match="names"):
        draw_dot(loss, names={1: 2})


def test_a_network_too_big_to_read_is_drawn_one_box_per_neuron_in_order_and_renders(no_system_dot):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    order = autograd.topological_order(loss)
    with pytest.warns(UserWarning, match=r"too many to read.*group=None"):
        drawing = draw_dot(loss)
    assert len(order) > autograd.views.draw.READABLE
    boxes = re.findall(r"<TD>(layers\.\d+\.neurons\.\d+)</TD>", drawing.source)
    assert boxes == [f"layers.{i}.neurons.{j}" for i, size in enumerate([16, 16, 1]) for j in range(size)]
    assert "</svg>" in drawing.pipe("svg", encoding="utf-8")
    whole = draw_dot(loss, group=None)
    assert len(value_nodes(whole.source)) == len(order) and whole.note == ""
    small = draw_dot(nn.MLP(2, [3, 1], seed=0)([0.5, -1.0]))
    assert small.note == "" and "neurons.0.w.0" in small.source  # a readable graph is drawn whole


def test_constants_show_their_data_and_no_grad():
    x = Value(2.0, label="x")
    source = draw_dot(x * 3.0).source
    assert "<TD>data 3.0000</TD></TR>" in source  # the constant: no grad cell
    assert "<TD>x</TD><VR/><TD>data 2.0000</TD><VR/><TD>grad 0.0000</TD>" in source


def test_large_graphs_are_cut_to_the_nodes_nearest_the_output_with_a_message():
    x = Value(0.5, label="x")
    y = x
    for _ in range(5000):  # deep enough to break a recursive drawing
        y = (y * 0.999).tanh()
    with pytest.warns(UserWarning, match="max_nodes=None"):
        drawing = draw_dot(y, max_nodes=300)
    assert len(value_nodes(drawing.source)) == 300
    assert "max_nodes=None" in drawing.note and "more values" in drawing.source
    assert any(source == "more" for source, _ in edges(drawing.source))
    everything = draw_dot(y, max_nodes=None)
    assert len(value_nodes(everything.source)) == len(autograd.topological_order(y)) == 15001
    assert everything.note == ""


def test_one_box_per_neuron_or_layer(no_system_dot):
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    by_neuron = draw_dot(loss, group="neuron")
    boxes = [i for i in nodes(by_neuron.source) if re.fullmatch(r"g\d+", i)]
    assert len(boxes) == 16 + 16 + 1
    assert "<TD>layers.1.neurons.15</TD>" in by_neuron.source
    by_layer = draw_dot(loss, group="layer")
    assert sorted(i for i in nodes(by_layer.source) if re.fullmatch(r"g\d+", i)) == ["g0", "g1", "g2"]
    assert "<TD>layers.2</TD>" in by_layer.source and "<TD>16 outputs</TD>" in by_layer.source
    assert ("g0", "g1") in edges(by_layer.source) and ("g1", "g2") in edges(by_layer.source)
    # the loss stays outside the last layer's box: its subtraction and square are drawn as usual
    assert f"<TD>data {loss.data:.4f}</TD>" in by_layer.source
    assert "</svg>" in by_neuron.pipe("svg", encoding="utf-8")


def test_a_step_inside_a_group_box_colours_that_box():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.0])
    steps = list(autograd.backward_steps(out))
    inside = next(s for s in steps if s.node.op == "linear" and s.node is not out)  # a hidden neuron's z
    source = draw_dot(out, group="neuron", step=inside).source
    highlighted = [line for line in source.splitlines() if 'color="#d62728"' in line]
    assert len(highlighted) == 1 and f"step {inside.index}: linear in here" in highlighted[0]
    assert re.match(r"\s*g\d+ ", highlighted[0])  # the box of that neuron, nothing else
    assert 'color="#d62728"' not in draw_dot(out, group="neuron").source


def test_a_models_inputs_are_named_x_0_x_1_in_drawings():
    nn = pytest.importorskip("nn")
    out = nn.Neuron(2, seed=0)([1.0, 2.0])
    source = draw_dot(out).source
    assert "<TD>x[0]</TD><VR/><TD>data 1.0000</TD></TR>" in source
    assert "<TD>x[1]</TD><VR/><TD>data 2.0000</TD></TR>" in source


# --- the SVG read back: every text exactly as written, every amount on its own arrow ----------------


def svg_groups(svg):
    """{id: <g> element} for every node and edge group of a rendered drawing."""
    root = ET.fromstring(svg.encode("utf-8"))
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") in ("node", "edge")}


def texts_of(svg, ident):
    """The texts drawn in the node or edge with SVG id ``ident``, in order. Graphviz writes a run of
    spaces as a space and no-break spaces; read back as spaces (a label's own no-break space is
    drawn as its escape, ``\\xa0``, so none is lost)."""
    return [(t.text or "").replace("\xa0", " ") for t in svg_groups(svg)[ident].iter(f"{SVG}text")]


def as_drawn(text):
    """The lines a drawing shows for ``text``: ``visible(text)`` broken at line breaks, a tab as
    four spaces, empty lines left out (they hold no text element)."""
    return [line.replace("\t", " " * 4) for line in visible(text).split("\n") if line]


AWKWARD = st.sampled_from(
    [
        "\\",
        "\\\\",
        '"',
        "'",
        "<",
        ">",
        "&",
        "\n",
        "\t",
        "\u2028",
        "\udc80",
        "\x85",
        "\r",
        "\x00",
        "]",
        "|",
        "{",
    ]
)
awkward_text = st.lists(
    st.one_of(
        AWKWARD,
        st.sampled_from(["\\N", "\\G", "\\n", "\\l", "&amp;", "<BR/>", "two\\\\back"]),
        st.characters(),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=20, deadline=None)
@given(label=awkward_text, name=awkward_text, fill=st.characters(exclude_characters="{}"))
def test_every_text_is_drawn_exactly_as_written(label, name, fill):
    x = Value(1.0, label=label)
    other = Value(2.0)
    y = x * other
    (step,) = autograd.backward_steps(y)
    svg = draw_dot(y, names={other: name}, step=step, format_spec=f"{fill}>9.2f").pipe(
        format="svg", encoding="utf-8"
    )
    number = format(1.0, f"{fill}>9.2f")
    assert texts_of(svg, "v0") == [
        *as_drawn(label),
        *as_drawn(f"data {number}"),
        *as_drawn(f"grad {format(2.0, f'{fill}>9.2f')}"),
    ]
    assert texts_of(svg, "v1")[: len(as_drawn(name))] == as_drawn(name)
    assert texts_of(svg, "v2op_in0") == as_drawn(f"+= {format(2.0, f'{fill}>9.2f')}")  # the step's amount


@pytest.mark.parametrize(
    "label",
    [
        "a\x00b",
        "esc\x1b[31m",
        "lone \udc80",
        "two\nlines",
        "tab\there",
        "back\\slash",
        "line\u2028sep",
        "\\N \\G",
    ],
)
def test_every_label_is_drawn_exactly_as_written(label):
    svg = draw_dot(Value(1.0, label=label) * 2).pipe(format="svg", encoding="utf-8")
    assert texts_of(svg, "v0")[:-2] == as_drawn(label)  # then data and grad


def test_two_backslashes_are_drawn_as_two():
    svg = draw_dot(Value(1.0, label="two\\\\back") * 2).pipe(format="svg", encoding="utf-8")
    assert texts_of(svg, "v0")[0] == "two\\\\back"


def path_points(d):
    """Points along a Graphviz edge path "M x,y C x,y x,y x,y …": each cubic Bézier sampled."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+(?:e-?\d+)?", d)]
    points = list(zip(numbers[::2], numbers[1::2]))
    sampled = []
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for k in range(21):
            t = k / 20
            u = 1 - t
            sampled.append(
                tuple(
                    u**3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t**3 * e
                    for a, b, c, e in zip(p0, p1, p2, p3)
                )
            )
    return sampled


def nearest_arrow(svg, text):
    """The id of the arrow whose path passes nearest the middle of ``text`` (an SVG <text>)."""
    size = float(text.get("font-size"))
    width = 0.55 * size * len(text.text)  # about: Helvetica's digits are 0.56 em wide
    x, y = float(text.get("x")), float(text.get("y")) - size / 3
    x += {"start": width / 2, "end": -width / 2}.get(text.get("text-anchor"), 0.0)
    distances = {}
    for ident, g in svg_groups(svg).items():
        path = g.find(f"{SVG}path")
        if g.get("class") == "edge" and path is not None:
            distances[ident] = min(math.dist((x, y), point) for point in path_points(path.get("d")))
    return min(distances, key=distances.get)


def demo_neuron_output():
    """The first neuron of the README's XOR network on input (1, 0): the gallery's figure."""
    from nn import demo

    model = demo.sigmoid_network(seed=0)
    return model.layers[0].neurons[0]([1.0, 0.0])


@pytest.mark.parametrize(
    "make",
    [
        demo_neuron_output,
        lambda: autograd.linear(
            [Value(1.0), Value(0.0)], [Value(0.7, label="w0"), Value(0.5, label="w1")], Value(0.0, label="b")
        ),
        lambda: autograd.sum([Value(float(k), label=f"x{k}") * (k + 1) for k in range(6)]),
    ],
    ids=["gallery neuron", "linear", "sum of six"],
)
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_every_amount_on_an_arrow_sits_on_its_own_arrow(make, rankdir):
    output = make()
    for step in autograd.backward_steps(output):
        for options in ({"step": step}, {"show_local_derivatives": True}):
            svg = draw_dot(output, rankdir=rankdir, **options).pipe(format="svg", encoding="utf-8")
            labelled = 0
            for ident, g in svg_groups(svg).items():
                for text in g.iter(f"{SVG}text"):
                    if g.get("class") == "edge":
                        labelled += 1
                        assert nearest_arrow(svg, text) == ident, (ident, text.text)
            assert labelled >= 1


@pytest.mark.parametrize("figure", ["backward_step_1.svg", "neuron_graph.svg"])
def test_the_readme_figures_show_each_number_on_its_own_arrow(figure):
    svg = (Path(__file__).parent.parent / "docs" / figure).read_text(encoding="utf-8")
    written_on = [
        (ident, text)
        for ident, g in svg_groups(svg).items()
        if g.get("class") == "edge"
        for text in g.iter(f"{SVG}text")
    ]
    assert len(written_on) >= 3  # the weights' and the bias's arrows, at least
    for ident, text in written_on:
        assert nearest_arrow(svg, text) == ident, (ident, text.text)


def test_an_infinite_gradient_colours_its_node_instead_of_failing() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()  # the slope at 0 is inf
    y.backward()
    assert x.grad == math.inf
    source = draw_dot(y, color_by_grad=True).source
    assert "#d62728" in source  # the deepest red
