"""What a post's checked code block shows around it (``fence_decorator``): its check status, the link to the
companion that runs it, why it was skipped or failed, and the diff the companion adapted it with."""

from __future__ import annotations

from html import escape
from pathlib import Path

from site_builder.highlight import highlight
from site_builder.markdown.fences import FenceContext, FenceDecorator
from site_builder.model import Post
from site_builder.render.urls import post_url
from site_builder.snippets import BlockStatus, badge_words, provenance


def fence_decorator(post: Post, statuses: dict[int, BlockStatus], url: str | None = None) -> FenceDecorator:
    """Around each block of ``post`` (at ``url``, when it is a page): its check status, the link to the
    companion, the adapted diff."""
    root = "../" * (url or post_url(post)).count("/")

    def decorate(block: FenceContext) -> dict[str, str]:
        status = statuses.get(block.line)
        if status is None:
            return {}
        words = badge_words(status)
        caption = f'<span class="status status-{escape(words.replace(" ", "-"))}">{escape(words)}</span>'
        if status.companion and status.first_line:
            stem = Path(status.companion).with_suffix("").as_posix()
            anchor = f"L{status.first_line}-L{status.last_line or status.first_line}"
            caption += (f'<a class="runnable" href="{escape(root)}companions/{escape(stem)}/#{anchor}">'
                        f'runnable: {escape(status.companion)}</a>')
        said = provenance(status)
        after = (f'<p class="provenance">{escape(said)}</p>' if said else "") + _reason_html(status)
        if status.diff:
            diff = highlight(_ending_line(status.diff), "diff")
            after += (f'<details class="diff"><summary>What the companion changed to run</summary>'
                      f'<div class="highlight"><pre tabindex="0"><code>{diff}</code></pre></div></details>')
        return {"attrs": f' data-status="{escape(status.status)}"', "caption": caption, "after": after}

    return decorate


def _ending_line(text: str) -> str:
    """Pygments' diff lexer reads a last line without its newline as an error token."""
    return text if text.endswith("\n") else text + "\n"


_REASON_SUMMARIES = {"skipped": "Why it was skipped", "failed": "How it failed", "drifted": "How it drifted"}


def _reason_html(status: BlockStatus) -> str:
    """The reason of a skip or a failure, on the page (a details element: reachable by touch and keyboard)."""
    summary = _REASON_SUMMARIES.get(status.status)
    if summary is None:
        return ""
    evidence = f'<pre class="check-detail" tabindex="0">{escape(status.detail)}</pre>' if status.detail else ""
    return (f'<details class="check-reason"><summary>{summary}</summary>'
            f'<p class="reason">{escape(status.reason)}</p>{evidence}</details>')
