"""Everything that looks at a graph; each view reads the engine's public face and never changes it.

- ``text.py``: the words for a node (its kind, name and symbol) and ``show()``, a text tree.
- ``render.py``: finding and running a Graphviz ``dot`` (or the browser's), and ``Drawing``.
- ``draw.py``: ``draw_dot``, the graph as Graphviz DOT.
- ``frames.py``: ``draw_step`` and ``step_through``, one drawing per chain-rule step.
- ``explorer.py`` (with ``explorer.js`` and ``explorer.css``): ``explore``, the backward-pass explorer page.

Each module loads on first use of one of its names from ``autograd``, so the engine runs without them.
"""
