"""Generated post bodies (``post_strategies.body``: labels, fences with random info strings, rules, alerts, raw
HTML, odd Unicode): where ``reading.fences`` scans a body itself, its code tokens are markdown-it's."""

from hypothesis import HealthCheck, given, settings
from post_strategies import body

from site_builder.reading.fences import _flat_fences
from site_builder.reading.lines import block_tokens


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(body())
def test_a_scanned_body_has_the_code_markdown_it_finds(text: str):
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as parse_post gives it
    found = _flat_fences(text)
    if found is not None:
        assert [(t.map, t.info, t.content, t.markup) for t in found] == \
            [(t.map, t.info, t.content, t.markup) for t in block_tokens(text) if t.type in ("fence", "code_block")]
