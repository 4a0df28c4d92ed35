"""The site's Markdown dialect, on markdown-it-py's public API. Nothing is imported here, so that a module can
be used alone (the turn scan, ``reading/lines.py``, reads quotes with ``blockquotes`` and nothing else):

- ``core``: ``create_markdown`` (the configured parser), ``render_markdown`` / ``render`` and ``Rendered``;
- ``html``: the author's raw HTML, allow-listed and cleaned by ``sanitize``;
- ``page_links``: every link and image destination written through the page's ``links.PageLinks``;
- ``fences``: code blocks highlighted and decorated (``FenceContext``, ``FenceDecorator``), fence attributes;
- ``headings``: heading ids and their ``#`` anchors;
- ``reasoning``: ``> [!REASONING]`` / ``> [!TOOL]`` folds, ``> [!IMPORTED]`` notes, the author's alert titles;
- ``autolinks``: GFM autolinks in linear time;
- ``tables``: GFM tables within a budget of cells;
- ``brackets``: an unclosed ``[`` read as text at once;
- ``blockquotes``: blockquotes in bounded time (windows of lines, nesting capped);
- ``mathrules``: math delimiters found in linear time; ``mathml``: math rendered to MathML, with warnings.

``docs/upstream/`` describes the markdown-it rules replaced for speed (blockquotes, tables, brackets).
"""
