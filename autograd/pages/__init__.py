"""Everything that writes a page or a file: the one page shell and atomic file writing.

- ``document`` (``shell.py``, with ``shell.js`` and ``shell.css``): a self-contained HTML document with
  its data as one JSON block and one ``window.chainrule`` that the page's script extends; ``embed``:
  a page as a notebook output (an iframe as tall as the page, a static fallback); ``Page``: an
  interactive page with a timeline, made of both. The explorer, the training view and the site's
  pages are built on them.
- ``encode_json``, ``decode_json``, ``read_data``: the data block, NaN and ±inf included.
- ``write_atomically``, ``read_regular_file`` (``files.py``): a file written is all there or unchanged;
  a file read is a regular file of bounded size.
"""

from .files import UnreadableFileError, read_regular_file, write_atomically
from .shell import DATA_ID, Page, asset, decode_json, document, embed, encode_json, read_data, svg_image

__all__ = [
    "DATA_ID",
    "Page",
    "UnreadableFileError",
    "asset",
    "decode_json",
    "document",
    "embed",
    "encode_json",
    "read_data",
    "read_regular_file",
    "svg_image",
    "write_atomically",
]
