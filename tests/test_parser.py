"""The post parser against golden fixtures (input -> turns and exchanges as JSON, line numbers included)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from site_paths import FIXTURES
from site_builder.model import Post
from site_builder.posts import load_post

GOLDEN = FIXTURES / "parser"
CASES = sorted(p for p in GOLDEN.glob("*.md") if p.name != "SOURCES.md")


def snapshot(post: Post) -> dict:
    return {
        "title": post.title,
        "tags": list(post.tags),
        "speakers": {n: [s.role, s.model] for n, s in post.speakers.items()},
        "intro": post.intro,
        "turns": [
            {"n": t.number, "speaker": t.speaker.name, "role": t.role, "line": t.line, "end_line": t.end_line,
             "text_line": t.text_line, "text": t.text, "annotations": [[a.kind, a.line] for a in t.annotations]}
            for t in post.turns
        ],
        "exchanges": [
            {"question": e.question.number if e.question else None,
             "variants": [[t.number for t in v] for v in e.answers],
             "repeats": [t.number for t in e.repeats]}
            for e in post.exchanges
        ],
        "code_blocks": [[b.lang, b.line] for b in post.code_blocks],
        "outro": [post.outro_line, post.outro],
    }


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    expected_path = path.with_suffix(".json")
    actual = snapshot(load_post(path))
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert expected_path.exists(), f"no golden file {expected_path.name}; run with UPDATE_GOLDEN=1 and review it"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_reference_post_structure() -> None:
    post = load_post(GOLDEN / "2023-08-03-chatgpt-helps-me-learn-latest-ai-technology.md")
    assert [t.speaker.name for t in post.turns] == ["Zhiwei", "ChatGPT"] * 3 + ["Zhiwei"]
    assert [t.role for t in post.turns] == ["user", "assistant"] * 3 + ["user"]
    assert len(post.exchanges) == 3
    second = post.exchanges[1]
    assert len(second.answers) == 2, "the spaCy question was asked twice: two answer variants"
    assert [t.number for t in second.repeats] == [5]
    assert post.exchanges[2].answers == (), "the last question is unanswered"
    user_blocks = [b.lang for b in post.code_blocks
                   if any(t.role == "user" and t.line <= b.line <= t.end_line for t in post.turns)]
    assert user_blocks == ["python", "python", "shell"]
    assert post.turns[0].text.startswith("Could you explain the code?"), "label alone on its line"
    assert post.turns[2].text.startswith("What is SpaCy"), "label followed by text"


def test_setext_trap_stays_a_turn() -> None:
    post = load_post(GOLDEN / "setext_trap.md")
    assert [(t.speaker.name, t.text) for t in post.turns] == [("User", "is this a heading?"),
                                                             ("ChatGPT", "no, it is a turn")]


def test_labels_in_code_are_content() -> None:
    post = load_post(GOLDEN / "labels_in_fences.md")
    assert [t.speaker.name for t in post.turns] == ["User", "Assistant"]
    assert "User: this is inside a fence" in post.turns[0].text
    nested = load_post(GOLDEN / "nested_fences.md")
    assert [t.speaker.name for t in nested.turns] == ["User", "Assistant", "User", "Assistant"]
    assert "Assistant: this line is code" in nested.turns[-1].text


def test_crlf_bom_and_trailing_spaces() -> None:
    crlf = load_post(GOLDEN / "crlf.md")
    assert "\r" not in crlf.body and crlf.turns[0].text == "line one\nwith a second line"
    bom = load_post(GOLDEN / "bom_trailing_spaces.md")
    assert bom.title == "BOM post" and bom.tags == ("a", "b")
    assert [t.speaker.name for t in bom.turns] == ["User", "Claude"]


def test_label_once_mid_prose_is_not_a_turn() -> None:
    post = load_post(GOLDEN / "once_mid_prose.md")
    assert post.turns == () and not post.is_conversation
    assert "Conclusion: more data" in post.intro


def test_full_width_and_french_colons() -> None:
    assert [t.speaker.name for t in load_post(GOLDEN / "fullwidth.md").turns] == ["用户", "助手"] * 2
    french = load_post(GOLDEN / "french_space.md")
    assert [(t.speaker.name, t.role, t.speaker.model) for t in french.turns] == [
        ("Moi", "user", None), ("Mistral", "assistant", "mistral-large")]


def test_both_separators_and_case_insensitive_variants() -> None:
    post = load_post(GOLDEN / "separators.md")
    assert [len(e.answers) for e in post.exchanges] == [2, 1]
    assert "more prose." in post.turns[-1].text, "a rule followed by prose is part of the turn"


CORPUS = FIXTURES / "blog-posts"  # copied from shared/corpus/blog-posts with SOURCES.md


def corpus_conversation(name: str):
    from site_builder.conversation import block_tokens, code_lines, parse_conversation
    from site_builder.frontmatter import normalise_text

    path = CORPUS / name
    text = normalise_text(path.read_bytes(), path)
    return parse_conversation(text, 1, None, code_lines(block_tokens(text)))


def test_corpus_chat_with_bob() -> None:
    conv = corpus_conversation("llamacpp_chat-with-bob.txt")
    assert [t.speaker.name for t in conv.turns] == ["User", "Bob", "User", "Bob", "User"]
    assert {s.name: s.role for s in conv.speakers.values()} == {"User": "user", "Bob": "assistant"}
    assert conv.turns[-1].speaker.name == "User" and conv.turns[-1].text == "", "ends with an empty User: turn"
    assert conv.intro.startswith("Transcript of a dialog"), "the preamble is the introduction"
    assert all(e.question is not None for e in conv.exchanges)


def test_corpus_chat_with_baichuan() -> None:
    conv = corpus_conversation("llamacpp_chat-with-baichuan.txt")
    assert [(t.speaker.name, t.role) for t in conv.turns] == [("用户", "user"), ("助手", "assistant")]
    assert conv.turns[0].text == "你好！" and conv.turns[1].text == ""


def test_corpus_promptingguide_is_an_article() -> None:
    conv = corpus_conversation("promptingguide_chatgpt.en.excerpt.mdx")
    assert conv.turns == (), "every Human:/AI:/USER: label there sits inside a code fence"
    assert "Human: Hello, who are you?" in conv.intro


def test_turn_text_keeps_source_lines_after_a_rule_under_text(tmp_path: Path) -> None:
    """A rule right under text inside a turn must not shift the lines of what follows it: fences are
    matched to their check results by source line, and annotations report theirs."""
    from site_builder.markdown.core import create_markdown, render

    path = tmp_path / "2024-01-01-rule.md"
    path.write_text("---\ntitle: Rule\n---\n\nUser: q\n\nChatGPT: first part\n---\nsecond part\n\n"
                    "```python\nprint(1)\n```\n\n> [!NOTE]\n> mine\n", encoding="utf-8")
    post = load_post(path)
    answer = post.turns[1]
    assert [b.line for b in post.code_blocks] == [11]
    assert [(a.kind, a.line) for a in answer.annotations] == [("note", 15)]
    html = render(create_markdown(), answer.text, answer.text_line)
    assert 'data-line="11"' in html and "<hr" in html and "<h2" not in html


def test_slugs_fold_accents_and_leave_other_scripts_to_a_fallback() -> None:
    from site_builder.posts import slugify
    from site_builder.render import tag_slug

    assert slugify("Café au lait -- 2 ways!") == "cafe-au-lait-2-ways"
    assert slugify("向 DeepSeek 请教") == "deepseek" and slugify("中文") == ""
    assert tag_slug("中文").startswith("tag-") and tag_slug("中文") == tag_slug("中文") != tag_slug("日本語")


def test_rule_right_under_a_closing_fence_is_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-01-fence-rule.md"
    path.write_text("---\ntitle: F\n---\n\nUser: q\n\nChatGPT: code:\n\n```python\nx = 1\n```\n---\nafter\n",
                    encoding="utf-8")
    assert load_post(path).turns[1].text == "code:\n\n```python\nx = 1\n```\n---\nafter"


def test_empty_speakers_declares_an_article(tmp_path: Path) -> None:
    path = tmp_path / "2024-01-01-none.md"
    path.write_text("---\ntitle: N\nspeakers: {}\n---\n\nUser: a\n\nChatGPT: b\n", encoding="utf-8")
    post = load_post(path)
    assert post.turns == () and post.speakers == {} and "ChatGPT: b" in post.intro


def _read(tmp_path: Path, body: str, front: str = "") -> Post:
    path = tmp_path / "posts" / "2024-01-01-x.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"---\ntitle: T\n{front}---\n\n{body}", encoding="utf-8")
    return load_post(path)


def _who(post: Post) -> list[tuple[str, str]]:
    return [(t.speaker.name, t.role) for t in post.turns]


def test_issue9_user_label_used_once_before_a_known_assistant(tmp_path: Path) -> None:
    post = _read(tmp_path, "Alice: What is 2 + 2?\n\nChatGPT: It is 4.\n")
    assert _who(post) == [("Alice", "user"), ("ChatGPT", "assistant")]
    assert post.intro == "" and post.turns[0].text == "What is 2 + 2?"


def test_issue9_labels_in_scripts_with_combining_marks(tmp_path: Path) -> None:
    post = _read(tmp_path, "राम: नमस्ते?\n\nChatGPT: नमस्ते!\n\nराम: धन्यवाद?\n\nChatGPT: आपका स्वागत है।\n")
    assert _who(post) == [("राम", "user"), ("ChatGPT", "assistant")] * 2
    assert post.turns[1].text == "नमस्ते!"


def test_issue9_one_generic_assistant_word_does_not_make_a_conversation(tmp_path: Path) -> None:
    post = _read(tmp_path, "Some intro.\n\nAnswer: yes, mostly.\n\nMore article text.\n")
    assert post.turns == () and "Answer: yes, mostly." in post.intro
    partnered = _read(tmp_path, "Alice: Is it true?\n\nAnswer: yes, mostly.\n")
    assert _who(partnered) == [("Alice", "user"), ("Answer", "assistant")]


def test_issue9_roles_come_from_who_asks_not_from_who_comes_first(tmp_path: Path) -> None:
    post = _read(tmp_path, "Pinyin: ni hao\n\nPinyin: xie xie\n\nAlice: How do I say thanks?\n\n"
                           "ChatGPT: Say xie xie.\n")
    assert _who(post) == [("Alice", "user"), ("ChatGPT", "assistant")]
    assert "Pinyin: ni hao" in post.intro


def test_issue9_labels_only_inside_answers_are_content(tmp_path: Path) -> None:
    exchange = ("Alice: How do I say {0} in French?\n\nChatGPT: Here it is.\n\nFrench: {0}\n\n"
                "Pronunciation: sha\n\n")
    post = _read(tmp_path, exchange.format("chat") + exchange.format("cat"))
    assert _who(post) == [("Alice", "user"), ("ChatGPT", "assistant")] * 2
    assert "French: chat\n\nPronunciation: sha" in post.turns[1].text
    cjk = _read(tmp_path, "用户：解释一下\n\nChatGPT：好的。\n\n第一部分：背景\n\n第二部分：方法\n\n"
                          "用户：再说一次\n\nChatGPT：好的。\n\n第一部分：背景\n\n第二部分：方法\n")
    assert [name for name, _ in _who(cjk)] == ["用户", "ChatGPT"] * 2


def test_issue9_closing_words_after_the_last_rule_are_the_authors(tmp_path: Path) -> None:
    post = _read(tmp_path, "User: Hi?\n\nChatGPT: Hello!\n\n---\n\nThat is all I asked.\n")
    assert post.turns[-1].text == "Hello!" and post.outro == "That is all I asked."
    assert post.outro_line == 11


def test_issue9_sections_of_an_answer_keep_their_rules(tmp_path: Path) -> None:
    body = "User: Compare them.\n\nChatGPT: Two parts.\n\n---\n\n### Speed\n\nA is faster.\n\n---\n\nIn short: A.\n"
    post = _read(tmp_path, body)
    assert post.outro == "" and post.turns[-1].text.endswith("In short: A.")
    listed = _read(tmp_path, "User: Steps?\n\nChatGPT: Here.\n\n---\n\n- first\n- second\n")
    assert listed.outro == "" and listed.turns[-1].text.endswith("- second")


def test_issue9_the_author_can_end_the_conversation_explicitly(tmp_path: Path) -> None:
    body = ("User: Compare them.\n\nChatGPT: Two parts.\n\n---\n\n### Speed\n\nA is faster.\n\n"
            "<!-- end of conversation -->\n\n## What I learned\n\nA is faster.\n")
    post = _read(tmp_path, body)
    assert post.turns[-1].text.endswith("A is faster.") and "end of conversation" not in post.turns[-1].text
    assert post.outro == "## What I learned\n\nA is faster."


def test_issue9_warnings_for_shapes_that_are_often_misread(tmp_path: Path) -> None:
    exchange = "Alice: How do I say {0}?\n\nChatGPT: Like this.\n\nFrench: {0}\n\n"
    post = _read(tmp_path, "Bob: Hi?\n\nChatGPT: Hello!\n\n" + exchange.format("chat") + exchange.format("cat")
                 + "---\n\nThat is all I asked.\n")
    messages = [(w.line, w.message) for w in post.warnings]
    assert (5, "`Bob:` starts one turn only, read as a user (asks); declare `speakers:` without it if it is part "
               "of the text") in messages
    assert not any("French" in m for _, m in messages), "a word of the answer's own, not a speaker's name: no doubt"
    assert any(line == 21 and "text after the last rule" in m and "closing words" in m for line, m in messages)
    assert post.reasons == {"Bob": "asks", "ChatGPT": "known assistant", "Alice": "asks"}
    as_read = ("speakers", (("Bob", "user"), ("ChatGPT", "assistant"), ("Alice", "user")))
    assert [w.settle for w in post.warnings] == [(as_read,), (("closing_words", "That is all I asked."),)]
    assert post.confidence == "unsure"
    crowd = _read(tmp_path, "".join(f"P{n}: q\n\nChatGPT: a\n\n" for n in range(5)))
    assert (5, "6 speakers: each label is read as a speaker; declare `speakers:` without the labels that are "
               "content") in [(w.line, w.message) for w in crowd.warnings]
    sections = _read(tmp_path, "User: Hi?\n\nChatGPT: Hello!\n\n---\n\n- a list after the rule\n")
    assert sections.warnings == (), "a section of the answer after its rule is not worth a warning"
    assert sections.confidence == "certain"
    kept = _read(tmp_path, "User: Hi?\n\nChatGPT: Hello!\n\n---\n\n## Part\n\nText.\n\n---\n\nBye now.\n")
    assert [(w.line, w.message, w.settle) for w in kept.warnings] == [(15,
        "text after the last rule is read as ChatGPT's turn; if it is your closing words, write "
        "`<!-- end of conversation -->` instead of the rule or `closing_words: Bye now.`", (("closing_words", "none"),))]
    assert _read(tmp_path, "User: Hi?\n\nChatGPT: Hello!\n").warnings == ()


@pytest.mark.parametrize("body", [
    "**You said:**\n\nWhat is a monad?\n\n**ChatGPT said:**\n\nA design pattern.\n\n**You said:**\n\nThanks.\n",
    "You said:\nWhat is a monad?\n\nChatGPT said:\nA design pattern.\n\nYou said:\nThanks.\n",
    "## User\n\nWhat is a monad?\n\n## ChatGPT\n\nA design pattern.\n\n## User\n\nThanks.\n",
    "#### You:\nWhat is a monad?\n\n#### ChatGPT:\nA design pattern.\n\n#### You:\nThanks.\n",
    "### 🧑 User\n\nWhat is a monad?\n\n### 🤖 Assistant\n\nA design pattern.\n\n### 🧑 User\n\nThanks.\n",
    "**User**: What is a monad?\n\n**ChatGPT**: A design pattern.\n\n**User**: Thanks.\n",
], ids=["chatgpt-copy", "chatgpt-copy-plain", "h2-labels", "h4-colon-labels", "emoji-headings", "bold-labels"])
def test_issue9_conversations_pasted_the_other_common_ways(tmp_path: Path, body: str) -> None:
    post = _read(tmp_path, body)
    assert [(t.role, t.text) for t in post.turns] == [
        ("user", "What is a monad?"), ("assistant", "A design pattern."), ("user", "Thanks.")]


def test_issue9_headings_in_an_article_are_not_speakers(tmp_path: Path) -> None:
    post = _read(tmp_path, "## ChatGPT\n\nIt writes text.\n\n## Claude\n\nIt writes text too.\n\n"
                           "## You\n\nYou read it.\n")
    assert post.turns == ()


def test_issue9_speaker_inference_on_a_100_kb_post_is_fast() -> None:
    """Every line a label, 3,000 different ones among known names: the reading stays linear-ish."""
    import random
    import time

    from site_builder.speakers import infer_speakers

    rng = random.Random(9)
    names = [f"Name{n}" for n in range(3000)] + ["ChatGPT", "User", "Answer"] * 50
    labels = [rng.choice(names) for _ in range(100_000 // 12)]  # `NameNNNN: x` lines make 100 kB
    best = min(_seconds(infer_speakers, labels, time.perf_counter) for _ in range(3))
    assert best < 0.05, f"{best * 1000:.0f} ms"


def _seconds(function, argument, clock) -> float:
    start = clock()
    function(argument)
    return clock() - start


def test_issue9_prompts_written_as_quotes_are_opt_in(tmp_path: Path) -> None:
    body = ("I asked two things.\n\n> What is a monad?\n> Keep it short.\n\nA design pattern for chaining steps.\n\n"
            "> [!NOTE]\n> My note on the answer.\n\n> And a functor?\n\nSomething you can map over.\n")
    assert _read(tmp_path, body).turns == (), "without the key, quotes are quotes"
    post = _read(tmp_path, body, "prompts: quoted\nmodel: gpt-4o\n")
    assert [(t.speaker.name, t.role, t.text) for t in post.turns] == [
        ("You", "user", "What is a monad?\nKeep it short."),
        ("Assistant", "assistant", "A design pattern for chaining steps.\n\n> [!NOTE]\n> My note on the answer."),
        ("You", "user", "And a functor?"), ("Assistant", "assistant", "Something you can map over.")]
    assert post.intro == "I asked two things." and post.turns[1].speaker.model == "gpt-4o"
    assert [(t.line, t.text_line) for t in post.turns] == [(9, 9), (12, 12), (17, 17), (19, 19)]
    assert [(a.kind, a.line) for a in post.turns[1].annotations] == [("note", 14)]
    named = _read(tmp_path, body, "prompts: quoted\nspeakers: {Zhiwei: user, Claude: assistant}\n")
    assert [t.speaker.name for t in named.turns] == ["Zhiwei", "Claude"] * 2


def test_issue9_prompts_key_only_knows_quoted_and_bold(tmp_path: Path) -> None:
    from site_builder.errors import PostError

    with pytest.raises(PostError, match="prompts must be `quoted` or `bold`"):
        _read(tmp_path, "> q\n\na\n", "prompts: italic\n")


def test_the_label_pattern_knows_every_combining_mark_of_the_plane() -> None:
    """Labels may hold combining marks (``राम:``); the class of marks skips blocks that hold none, by Unicode's
    stability policy: it must match exactly the marks a scan of the whole plane finds on this Python."""
    import re
    import unicodedata

    from site_builder.reading.lines import _mark_ranges

    marks = re.compile(f"[{_mark_ranges()}]")
    wrong = [hex(code) for code in range(0x10000)
             if bool(marks.fullmatch(chr(code))) != unicodedata.category(chr(code)).startswith("M")]
    assert wrong == [] and _mark_ranges() == _mark_ranges(())


@pytest.mark.parametrize("name, text, title, body_starts", [
    ("2023-08-03-my-first-post.md", "---\ntags: [ai]\n---\n\n# Asking ChatGPT about `yield`\n\nUser: hi?\n",
     "Asking ChatGPT about `yield`", "\n\n\nUser: hi?"),
    ("2023-08-03-my-first-post.md", "---\ntitle: ''\n---\nUser: hi?\n\n# Not a title: not first\n",
     "My First Post", "User: hi?"),
    ("2023-08-03-learning_in_public.md", "No front matter at all, as Hugo and Jekyll posts may have.\n",
     "Learning In Public", "No front matter"),
    ("2023-08-03-x.md", "---\ntitle: Given\n---\n# A heading\n", "Given", "# A heading"),
])
def test_a_post_without_a_title_takes_its_first_heading_or_its_file_name(tmp_path, name, text, title, body_starts):
    """Jekyll and Hugo build posts without ``title:``; they were refused ("title is required")."""
    from site_builder.posts import load_post

    path = tmp_path / "posts" / name
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    post = load_post(path)
    assert post.title == title and post.body.startswith(body_starts)
    assert text.count("\n") - post.body.count("\n") == post.body_line - 1, "line numbers unchanged"


@pytest.mark.parametrize("date, expected", [("2023-1-5", "2023-01-05"), ("2023-01-05 9:05:00 +0800", "2023-01-05"),
                                            ("2023-1-05 10:00", "2023-01-05"), ("2023-12-31T23:59:59Z", "2023-12-31"),
                                            ("2023-01-05 10:00:00 UTC", "2023-01-05")])
def test_dates_as_jekyll_reads_them(tmp_path, date, expected):
    from site_builder.posts import load_post

    path = tmp_path / "posts" / "post.md"
    path.parent.mkdir()
    path.write_text(f"---\ntitle: T\ndate: '{date}'\n---\nbody\n", encoding="utf-8")
    assert load_post(path).date.isoformat() == expected


@pytest.mark.parametrize("date", ["2023-13-05", "2023-1-5x", "05/01/2023", "2023-1"])
def test_dates_that_are_no_dates_are_still_errors(tmp_path, date):
    from site_builder.errors import PostError
    from site_builder.posts import load_post

    path = tmp_path / "posts" / "post.md"
    path.parent.mkdir()
    path.write_text(f"---\ntitle: T\ndate: '{date}'\n---\nbody\n", encoding="utf-8")
    with pytest.raises(PostError, match="is not a date"):
        load_post(path)


def test_issue_20_shapes_read_as_a_reader_does() -> None:
    """Emoji marks, an author's own name in a heading, the page's H1 title above label headings, and a
    mistyped heading label (read, and said: a warning at its line)."""
    emoji = load_post(GOLDEN / "emoji_labels.md")
    assert [(t.speaker.name, t.role) for t in emoji.turns] == [("👤", "user"), ("🤖", "assistant")] * 2
    assert emoji.turns[0].text == "How do I reverse a list?"
    named = load_post(GOLDEN / "author_name_headings.md")
    assert [(t.speaker.name, t.role) for t in named.turns] == [("dana", "user"), ("chatgpt", "assistant"),
                                                               ("dana", "user")]
    titled = load_post(GOLDEN / "title_heading_above_label_headings.md")
    assert titled.intro.startswith("# Claude") and titled.turns[0].speaker.name == "Me"
    typo = load_post(GOLDEN / "mistyped_heading_label.md")
    assert [t.speaker.name for t in typo.turns] == ["Me", "Claude", "M3", "Claude"]
    assert [(w.line, "`M3:`" in w.message) for w in typo.warnings] == [(13, True)]
    for article in ("article_sections_named_after_models", "emoji_once_in_an_article", "section_word_then_model_heading"):
        assert load_post(GOLDEN / f"{article}.md").turns == (), article


def test_issue_20_second_looks_are_said() -> None:
    """A lone Q:/A: pair in an article is text, a dialogue the assistant wrote stays in its answer, quotes before
    every answer nobody asks are the prompts: each with a warning naming the line (no silent doubt)."""
    joke = load_post(GOLDEN / "lone_q_a_pair_in_an_article.md")
    assert joke.turns == () and [w.line for w in joke.warnings] == [7] and "Q:`/`A:" in joke.warnings[0].message
    story = load_post(GOLDEN / "dialogue_the_assistant_wrote.md")
    assert [t.speaker.name for t in story.turns] == ["Me", "ChatGPT", "Me", "ChatGPT"]
    assert "Jane: Hello." in story.turns[1].text and any("`GPT:`" in w.message for w in story.warnings)
    quoted = load_post(GOLDEN / "quoted_prompts_unlabelled.md")
    assert [(t.speaker.name, t.text) for t in quoted.turns] == [
        ("You", "Fix my loop."), ("ChatGPT", "Use enumerate."), ("You", "Now make it faster."),
        ("ChatGPT", "Use a comprehension.")]
    assert [w.line for w in quoted.warnings] == [5] and "the quotes before each answer" in quoted.warnings[0].message
    assert quoted.warnings[0].settle == (("prompts", "quoted"), ("speakers", (("You", "user"), ("ChatGPT", "assistant"))))
    both = load_post(GOLDEN / "two_assistants_answer_in_turn.md")  # one answer each: not a written dialogue
    assert [t.speaker.name for t in both.turns] == ["User", "ChatGPT", "Claude"] * 2
    faq = load_post(GOLDEN / "faq_of_two_pairs.md")  # titled FAQ, no AI named: an FAQ, as the page says
    assert faq.turns == () and faq.warnings == ()
    cards = load_post(GOLDEN / "real_en_flashcards_qa_article.md")
    assert cards.turns == () and cards.warnings == ()
    quiz = load_post(GOLDEN / "en_qa_pairs_no_ai_named.md")  # no AI named, nothing says FAQ: a doubt
    assert quiz.turns == () and "FAQ" in quiz.warnings[0].message and quiz.warnings[0].settle == (("speakers", ()),)


def test_issue_20_closing_sections_after_a_rule_are_said() -> None:
    post = load_post(GOLDEN / "closing_sections_after_a_rule.md")
    assert [(w.line, "end of conversation" in w.message) for w in post.warnings] == [(9, True)]
    sections = load_post(GOLDEN / "en_answer_sections_kept.md")  # an answer's own sections: no warning
    assert not [w for w in sections.warnings if "runs on past" in w.message]


def reader_reading(path: Path) -> tuple[list[list], int]:
    """How a careful reader reads a case: its ``.reading.json`` (the real posts' shapes, written down by hand
    before the parser read them), else its reviewed golden file. [speaker, role, label line] per turn, and the line
    the author's closing words start at (0: none)."""
    reading = path.with_suffix(".reading.json")
    if reading.exists():
        source = json.loads(reading.read_text(encoding="utf-8"))
        return source["turns"], source["outro_line"]
    source = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return [[t["speaker"], t["role"], t["line"]] for t in source["turns"]], source["outro"][0]


def test_no_wrong_reading_goes_unwarned() -> None:
    """The measure the issue asks for, over every parser case: how many readings are wrong and unwarned (must be
    none; a wrong reading's doubt must also sit within three lines of where it parts from the reader's), wrong but
    warned, and right but warned (printed, and bounded so that a warning stays news). ``benchmarks/reading.py``
    prints the same, post by post."""
    import sys

    sys.path.insert(0, str(GOLDEN.parents[2] / "benchmarks"))
    from reading import first_difference  # benchmarks/ is not a package

    rows = []
    for path in CASES:
        post = load_post(path, draft=True)
        turns, outro = reader_reading(path)
        where = first_difference(turns, outro, [[t.speaker.name, t.role, t.line] for t in post.turns],
                                 post.outro_line)
        doubts = [w.line for w in post.warnings if w.settle]
        rows.append((path.stem, where is None, bool(doubts),
                     where is not None and not any(abs(line - where) <= 3 for line in doubts)))
    wrong_unwarned = [name for name, right, doubted, _ in rows if not right and not doubted]
    elsewhere = [name for name, right, doubted, far in rows if doubted and far]
    wrong_warned = [name for name, right, doubted, _ in rows if not right and doubted]
    right_warned = [name for name, right, doubted, _ in rows if right and doubted]
    print(f"\n{len(rows)} parser cases: {len(rows) - len(wrong_unwarned) - len(wrong_warned)} read as a reader does, "
          f"{len(wrong_warned)} wrong and warned {wrong_warned}, {len(wrong_unwarned)} wrong and unwarned "
          f"{wrong_unwarned}; {len(right_warned)} right but warned {right_warned}")
    assert wrong_unwarned == []
    assert elsewhere == [], "each wrong reading's doubt must point within three lines of where the readings part"
    assert len(right_warned) <= len(rows) // 4, right_warned


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_doubt_settles_as_decided(path: Path) -> None:
    """Each doubt names the front matter that settles it; written out (``explain --fix``), the post reads exactly
    as before (``settle`` checks it) with no doubt left."""
    from site_builder.settle import settle

    post = load_post(path, draft=True)
    doubts = [w for w in post.warnings if w.settle]
    assert all(w.settle for w in post.warnings), "every warning about the reading says what settles it"
    result = settle(post, path.read_bytes().decode("utf-8"))
    assert (result.text is None) == (not doubts), result.said
    assert post.confidence == ("unsure" if doubts else "declared" if "speakers" in post.meta else "certain")


def test_explain_reads_an_undated_file(tmp_path: Path, capsys) -> None:
    from site_builder.cli import main

    path = tmp_path / "notes.md"  # no date in the name or the front matter: how its turns read does not hang on one
    path.write_text("---\ntitle: T\n---\nUser: hi\n\nChatGPT: hello\n", encoding="utf-8")
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "User" in out and "ChatGPT" in out and "known assistant" in out


def test_issue_20_exporter_markup_reads_as_turns() -> None:
    kramdown = load_post(GOLDEN / "kramdown_prompt_response_classes.md")
    assert [(t.speaker.name, t.role, t.text) for t in kramdown.turns][:2] == [
        ("You", "user", "How do I cache a function?"), ("Assistant", "assistant", "Use functools.lru_cache on it.")]
    assert "{:" not in "".join(t.text for t in kramdown.turns) and kramdown.intro == "I asked about caching."
    details = load_post(GOLDEN / "q_headings_answered_in_details.md")
    assert [(t.speaker.name, t.text) for t in details.turns] == [
        ("You", "How do I cache a function?"), ("ChatGPT", "Use functools.lru_cache."),
        ("You", "And clear it?"), ("ChatGPT", "Call f.cache_clear().")]


DOUBTS = {  # one case per kind of doubt: the line it points at and what it says (reviewed by hand)
    "real_en_html_blockquote_prompts_story": (10, "quotes open inside the answers"),
    "real_en_gpt3_chat_in_indented_code": (5, "quotes in a post about an AI that labels nobody"),
    "real_en_logseq_bullet_interview": (16, "`Sam:` and `AI:` look like speakers' labels"),
    "real_en_quoted_prompts_iterations": (6, "the quotes are read as your prompts"),
    "real_en_unlabeled_question_blockquote_answer": (7, "a question answered by a quote"),
    "real_ja_github_h2_handle_headings": (41, "runs to the end, on past its code"),
    "de_ai_voice_du_ich": (24, "this heading and what follows"),  # one section holds the exchange
    "en_unlabelled_answer_after_question": (24, "no label here"),
    "en_avatar_images_chat": (26, "this heading and what follows"),
    "real_ru_ya_chatgpt_code_prompt": (54, "text after the last answer's code"),
    "real_zh_jekyll_html_icon_divs": (14, "chat bubbles in HTML"),
    "narrated_prompts_between_answers": (5, "nobody asks by name"),
    "user_label_only": (5, "no answer is labelled"),
    "en_transcript_no_known_assistant": (6, "no known assistant"),
    "en_qa_pairs_no_ai_named": (5, "no AI named"),
}


@pytest.mark.parametrize("case", sorted(DOUBTS))
def test_each_kind_of_doubt_points_at_its_line(case: str) -> None:
    line, said = DOUBTS[case]
    post = load_post(GOLDEN / f"{case}.md", draft=True)
    assert any(w.line == line and said in w.message and w.settle for w in post.warnings), post.warnings


def test_a_closing_heading_after_sections_of_exchanges_is_no_doubt() -> None:
    """Exchanges in two sections or more (`## 문제의 발견` … `## Flyway 도입 과정`), then a heading of that level with none
    (`## 배운 점`): the author's next section, said by the structure; no doubt."""
    post = load_post(GOLDEN / "real_ko_jekyll_na_claude_desc_labels.md", draft=True)
    assert post.outro_line == 48 and not [w for w in post.warnings if "this heading" in w.message]


def test_quotes_with_no_ai_named_are_no_prompts(tmp_path: Path) -> None:
    """Found by the post fuzzer: two quotes, no AI named anywhere, used to crash the quoted-prompts reading."""
    from site_builder.posts import parse_post

    post = parse_post(tmp_path / "2024-01-01-post.md", '---\ntitle: "Asking "\n---\n> \n```python\n\n```\n> \n---')
    assert post.turns == () and post.confidence == "certain"


def test_issue_20_shapes_of_the_held_out_round() -> None:
    """The shapes the held-out proxy set brought (`benchmarks/heldout_posts`), each in a case of our own: a guide in
    the AI's voice, an interview asked in bold with quoted answers, quoted prompts after an introduction set apart,
    titled citations, avatars taking turns; and their look-alikes that stay articles."""
    voice = load_post(GOLDEN / "de_ai_voice_du_ich.md")
    assert [(t.speaker.name, t.role) for t in voice.turns] == [("Du", "user"), ("Ich", "assistant")]
    assert any("`Ich` (I) is read as the AI" in w.message and w.line == 17 for w in voice.warnings)
    said = load_post(GOLDEN / "zh_ai_voice_guide_ni_wo.md")  # `我（Claude）` above: who "I" is, said by the text
    assert [t.role for t in said.turns] == ["user", "assistant"] * 2 and not any("(I)" in w.message for w in said.warnings)
    assert load_post(GOLDEN / "real3_es_podcast_tu_yo.md").turns == (), "no AI named: a presenter's Tú/Yo script"
    bold = load_post(GOLDEN / "en_bold_prompts_quoted_answers.md")
    assert [(t.speaker.name, t.line) for t in bold.turns] == [("You", 8), ("Gemini", 9), ("You", 15), ("Gemini", 17)]
    assert [(a.kind, a.line) for a in bold.turns[1].annotations] == [("note", 10)], "the author's words: a note"
    assert "> That was fair." in bold.turns[1].text and bold.outro.startswith("## What I learned")
    assert bold.warnings[0].settle == (("prompts", "bold"), ("speakers", (("You", "user"), ("Gemini", "assistant"))))
    numbered = load_post(GOLDEN / "en_wordpress_numbered_questions.md")
    assert [t.speaker.name for t in numbered.turns] == ["Q1", "AI", "Q2", "AI"] and numbered.outro_line == 31
    rule = load_post(GOLDEN / "en_intro_rule_then_quoted_prompts.md")  # `> Hey Claude, …`: a prompt, no doubt
    assert [t.role for t in rule.turns] == ["user", "assistant"] * 3 and rule.warnings == ()
    assert "Marco: Excellent choice." in rule.turns[3].text, "role-play labels stay in the reply"
    for article in ("en_study_notes_titled_quotes", "en_intro_then_doc_quotes_article", "en_two_photos_alternating_article"):
        assert load_post(GOLDEN / f"{article}.md").turns == (), article
    faces = load_post(GOLDEN / "en_avatar_images_chat.md")
    assert [(t.speaker.name, t.role) for t in faces.turns] == [("Pi", "assistant"), ("You", "user")] * 2
    assert faces.outro_line == 26


def test_issue_20_an_unlabelled_answer_under_a_question_is_the_answer(tmp_path: Path) -> None:
    """`**Me:** How do I…?`, a blank line, and the answer with no label, where every other question is answered under
    one: the assistant's answer, said as a doubt that `speakers:` settles (declared, the same reading and no doubt)."""
    post = load_post(GOLDEN / "en_unlabelled_answer_after_question.md")
    assert [(t.speaker.name, t.line) for t in post.turns][4:6] == [("Me", 22), ("Claude", 24)]
    assert post.turns[5].text.startswith("Open it in a `with` block")
    assert [w.line for w in post.warnings if "no label here" in w.message] == [24]
    assert post.turns[6].text == "Give me a one-liner to count files in a folder.\nIt must work on macOS."
    declared = _read(tmp_path, "**Me:** Why?\n\nBecause.\n\n**Me:** Where?\n\n**Claude:** Here.\n\n**Me:** When?\n\n"
                     "**Claude:** Now.\n", "speakers: {Me: user, Claude: assistant}\n")
    assert [t.speaker.name for t in declared.turns] == ["Me", "Claude", "Me", "Claude", "Me", "Claude"]
    once = _read(tmp_path, "**Me:** Why?\n\nBecause I wondered.\n\n**Claude:** Because.\n")  # answered: no guess
    assert [t.speaker.name for t in once.turns] == ["Me", "Claude"] and "Because I wondered." in once.turns[0].text


def test_an_authors_note_between_quoted_answers_keeps_every_line_in_place(tmp_path: Path) -> None:
    """`prompts: bold`: the author's words between a WordPress answer and the next prompt become a note that opens
    on a blank line, so each line of the turn stays on its source line (a code block's check status is found by
    its line)."""
    body = ("<p><strong>Q1. What is a list?</strong></p>\n\n<!-- wp:quote -->\n"
            "<blockquote class=\"wp-block-quote\"><p>An ordered collection.</p></blockquote>\n<!-- /wp:quote -->\n\n"
            "I tried it:\n\n```python\nprint([1, 2])\n```\n\n"
            "<p><strong>Q2. And a tuple?</strong></p>\n\n<blockquote><p>An immutable one.</p></blockquote>\n")
    post = _read(tmp_path, body, "prompts: bold\n")
    answer = post.turns[1]
    assert [t.speaker.name for t in post.turns] == ["Q1", "Assistant", "Q2", "Assistant"]
    assert [(a.kind, a.line) for a in answer.annotations] == [("note", 11)]
    assert answer.end_line - answer.text_line + 1 == len(answer.text.split("\n")), "no line added"
    assert answer.text.split("\n")[post.code_blocks[0].line - answer.text_line] == "> ```python"
