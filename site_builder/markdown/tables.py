"""GFM tables within a budget of cells: markdown-it's table rule, refused where it would fill far more cells
than the text has characters (``docs/upstream/table-cells.md``)."""

from __future__ import annotations

from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import table as gfm_table


def table_within_budget(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A table may not hold many more cells than its text has characters: markdown-it fills every short
    row up to the header's width, so a row ``x`` under 250 columns is 250 cells — 46 kB of such tables asked
    for 2 million cells (25 s, 2 GB). Over budget (half a cell per character), the lines stay a paragraph."""
    if not gfm_table(state, start, end, True):
        return False
    rows_end = _table_rows_end(state, start + 2, end)
    delimiter = state.src[state.bMarks[start + 1] + state.tShift[start + 1]:state.eMarks[start + 1]].strip()
    columns = delimiter.strip("|").count("|") + 1
    cells = columns * (rows_end - start - 1)
    size = state.eMarks[rows_end - 1] - state.bMarks[start]
    if cells > size // 2 + 8:
        return False
    return silent or gfm_table(state, start, end, False)


def _table_rows_end(state: StateBlock, first: int, end: int) -> int:
    """The first blank line at or after ``first`` (or ``end``): where the table's rows stop at the latest.
    Measured once per run of lines (``env`` keeps the last), not once per line that may start a table."""
    context = (end, state.blkIndent, state.parentType)
    memo = state.env.get("table_rows")
    if memo is not None and memo[0] is state.src and memo[1] == context and memo[2] <= first < memo[3]:
        return memo[3]
    line = first
    while line < end and not state.isEmpty(line):
        line += 1
    state.env["table_rows"] = (state.src, context, first, line)
    return line

