"""The corpus of ``bench_build.py``: generated conversation posts, written for each static site generator.

``generate_posts(n)`` makes ``n`` posts from a fixed seed (no network, same text on every machine): each about
14.5 KB, with about 6 code blocks (Python, a console session, a traceback as ``pytb`` or ``text``, a shell
script), three or four exchanges between a person and ChatGPT or Claude whose answers have paragraphs,
lists and inline code, tags from a pool, author's notes (``> [!NOTE]``), a regenerated answer in one post of
three, closing words after ``<!-- end of conversation -->`` in one of four, and inferred speakers (no
``speakers:`` key) in one of four.

``corpus_sites.py`` writes them in the form each static site generator reads; ``edit_post`` makes the
one-change scenario's edit.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

SEED = 20240311
FIRST_DATE = dt.date(2019, 1, 1)


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    tags: tuple[str, ...]
    library: str
    """The package the conversation is about (imported and pip-installed in its code)."""
    identifiers: tuple[str, ...]
    """Names of the reader's own functions and variables, quoted as inline code."""
    exception: str
    message: str
    """The traceback's last line after ``exception: ``."""


TOPICS = (
    Topic("generators", ("python", "generators"), "itertools", ("squares", "read_rows", "chunked", "pipeline"),
          "StopIteration", "generator already exhausted"),
    Topic("asyncio", ("python", "asyncio", "concurrency"), "aiohttp", ("fetch_all", "session", "limit", "gather_pages"),
          "RuntimeError", "This event loop is already running"),
    Topic("pandas", ("python", "pandas", "data"), "pandas", ("frame", "merge_orders", "group_totals", "read_sales"),
          "KeyError", "'customer_id'"),
    Topic("pytorch", ("pytorch", "deep-learning", "cuda"), "torch", ("model", "train_step", "loader", "optimizer"),
          "RuntimeError", "CUDA out of memory. Tried to allocate 2.00 GiB"),
    Topic("packaging", ("python", "packaging", "pip"), "setuptools", ("build_wheel", "version", "entry_point", "manifest"),
          "ModuleNotFoundError", "No module named 'mypackage'"),
    Topic("regex", ("python", "regex", "text"), "re", ("pattern", "parse_line", "groups", "tokenize"),
          "re.error", "unbalanced parenthesis at position 7"),
    Topic("sqlite", ("python", "sqlite", "databases"), "sqlite3", ("connection", "cursor", "insert_rows", "schema"),
          "sqlite3.OperationalError", "database is locked"),
    Topic("numpy", ("python", "numpy", "data"), "numpy", ("matrix", "broadcast_sum", "weights", "normalise"),
          "ValueError", "operands could not be broadcast together with shapes (3,4) (3,)"),
    Topic("http", ("python", "http", "requests"), "requests", ("fetch_json", "retry", "headers", "timeout"),
          "requests.exceptions.ConnectionError", "Max retries exceeded with url: /api/v1/items"),
    Topic("testing", ("python", "testing", "pytest"), "pytest", ("fixture", "test_parse", "monkeypatch", "tmp_path"),
          "AssertionError", "assert 3 == 4"),
    Topic("multiprocessing", ("python", "multiprocessing", "performance"), "multiprocessing",
          ("pool", "worker", "process_chunk", "results"), "PicklingError", "Can't pickle local object"),
    Topic("unicode", ("python", "unicode", "text"), "unicodedata", ("normalise_name", "encoding", "decode_file", "codec"),
          "UnicodeDecodeError", "'utf-8' codec can't decode byte 0xe9 in position 12"),
)
EXTRA_TAGS = ("debugging", "til", "performance", "ai", "learning", "tooling")
USERS = ("Zhiwei", "Ana", "Tom", "Priya", "Lukas")
ASSISTANTS = (("ChatGPT", "gpt-4o"), ("Claude", "claude-3-5-sonnet"))

NOUNS = ("function value list loop iterator buffer file process request response column index batch tensor "
         "memory cache thread worker queue module package version path error message result test record row "
         "key object call argument default scope frame").split()
VERBS = ("returns reads writes keeps raises calls creates stores checks loads splits joins copies frees blocks "
         "holds skips repeats changes wraps").split()
ADJECTIVES = "new empty first last whole same small large slow fast lazy global local nested shared second".split()
LINKS = ("because", "so", "while", "but", "and", "when", "which means", "unless", "although", "since")
OPENERS = ("In short,", "In practice,", "Here", "Usually", "By default,", "Note that", "In your code", "Often",
           "At this point", "Then")
QUESTIONS = ("Why does {ident} behave like this", "How do I make {ident} faster", "What is the idiomatic way to "
             "use {lib} here", "Can you explain what {ident} does", "Is there a simpler way to write {ident}",
             "Why does {lib} raise {exc} here", "How should I test {ident}", "What changes if {ident} gets a "
             "large input")


@dataclass(frozen=True, slots=True)
class GeneratedPost:
    stem: str
    """``YYYY-MM-DD-slug``: the file name without ``.md`` (Jekyll's form, read by every tool here)."""
    title: str
    date: dt.date
    tags: tuple[str, ...]
    summary: str
    speakers: Mapping[str, Mapping[str, str]] | None
    """``speakers:`` as written in the front matter, or None where site_builder infers them."""
    body: str
    """The Markdown after the front matter: the same for every tool."""

    @property
    def slug(self) -> str:
        return self.stem[len("YYYY-MM-DD-"):]


def generate_posts(count: int, seed: int = SEED) -> list[GeneratedPost]:
    return [generate_post(index, seed) for index in range(count)]


def generate_post(index: int, seed: int = SEED) -> GeneratedPost:
    """Post ``index`` of the corpus: the same text for the same (index, seed), whatever ``count`` is."""
    rng = random.Random(seed * 1_000_003 + index)
    topic = TOPICS[index % len(TOPICS)]
    user = USERS[index % len(USERS)] if index % 4 else "Me"
    assistant, model = ASSISTANTS[index % 2]
    ident = rng.choice(topic.identifiers)
    title = f"Asking {assistant} why {ident} fails in my {topic.name} code, part {index + 1}"
    date = FIRST_DATE + dt.timedelta(days=index)
    tags = tuple(dict.fromkeys([*topic.tags[:rng.randint(1, len(topic.tags))], rng.choice(EXTRA_TAGS)]))
    speakers = None if user == "Me" else {user: {"role": "user"}, assistant: {"role": "assistant", "model": model}}
    body = Writer(rng, topic, user, assistant).conversation(index)
    return GeneratedPost(f"{date.isoformat()}-{_slug(title)}", title, date, tags,
                         f"{topic.exception} from {topic.library}, and what {assistant} suggested.", speakers, body)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Writer:
    """The prose and code of one post, drawn from ``rng``."""

    def __init__(self, rng: random.Random, topic: Topic, user: str, assistant: str) -> None:
        self.rng, self.topic, self.user, self.assistant = rng, topic, user, assistant

    def conversation(self, index: int) -> str:
        first = self.question_with_code() + [self.answer(code=True, note=True)]
        second = self.question_with_error(console=index % 5 != 4) + [self.answer(code=True, shell=True)]
        exchanges = [first, second]
        followup, code = self.question(), index % 5 == 2  # one post in five: 7 blocks, another: 5
        if index % 3 == 0:  # a regenerated answer: the same question asked again in the next exchange
            exchanges += [[followup, self.answer(code=code)], [followup, self.answer(note=True)]]
        else:
            exchanges.append([followup, self.answer(code=code, note=True)])
        parts = [self.intro()] + ["\n\n".join(turns) for turns in exchanges]
        text = "\n\n---\n\n".join(parts[1:])
        closing = f"\n\n<!-- end of conversation -->\n\n{self.paragraph(3)}" if index % 4 == 1 else ""
        return f"{parts[0]}\n\n{text}{closing}\n"

    # --- turns ------------------------------------------------------------------------------------------

    def intro(self) -> str:
        return f"This conversation is about {self.topic.name}. {self.paragraph(4)}"

    def question(self) -> str:
        return f"{self.user}: {self.ask()} {self.sentences(2)}"

    def question_with_code(self) -> list[str]:
        return [f"{self.user}: {self.ask()} {self.sentences(3)}\n\n{fence('python', self.python())}"]

    def question_with_error(self, *, console: bool) -> list[str]:
        traceback_lang = self.rng.choice(("pytb", "text"))
        session = f"{fence('console', self.console())}\n\n" if console else ""
        return [f"{self.user}: I tried it and got this error:\n\n{session}"
                f"{self.sentences(2)}\n\n{fence(traceback_lang, self.traceback())}"]

    def answer(self, *, code: bool = False, shell: bool = False, note: bool = False) -> str:
        parts = [f"{self.assistant}: {self.paragraph(6)}", self.paragraph(6), self.bullets(), self.paragraph(6)]
        if code:
            parts += [fence("python", self.python()), self.paragraph(4)]
        if shell:
            parts += [fence("shell", self.shell()), self.paragraph(3)]
        parts += [self.numbered(), self.paragraph(7)]
        if note:
            parts.append(self.note())
        return "\n\n".join(parts)

    def note(self) -> str:
        kind = self.rng.choice(("NOTE", "TIP", "WARNING"))
        return f"> [!{kind}]\n> My note: {self.sentences(2)}"

    # --- prose ------------------------------------------------------------------------------------------

    def ask(self) -> str:
        return self.rng.choice(QUESTIONS).format(ident=f"`{self.ident()}`", lib=self.topic.library,
                                                 exc=f"`{self.topic.exception}`") + "?"

    def ident(self) -> str:
        return self.rng.choice(self.topic.identifiers)

    def sentence(self) -> str:
        rng = self.rng
        subject = f"the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        text = f"{rng.choice(OPENERS)} {subject} {rng.choice(VERBS)} the {rng.choice(NOUNS)}"
        if rng.random() < 0.6:
            thing = f"`{self.ident()}()`" if rng.random() < 0.5 else f"the {rng.choice(NOUNS)}"
            text += f" {rng.choice(LINKS)} {thing} {rng.choice(VERBS)} the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if rng.random() < 0.15:
            text += f", which is **{rng.choice(ADJECTIVES)}** in {self.topic.library}"
        return text + "."

    def sentences(self, count: int) -> str:
        return " ".join(self.sentence() for _ in range(count))

    def paragraph(self, count: int) -> str:
        return self.sentences(self.rng.randint(count - 1, count + 1))

    def bullets(self) -> str:
        return "\n".join(f"- **{self.rng.choice(NOUNS).capitalize()}**: {self.sentence()}"
                         for _ in range(self.rng.randint(4, 6)))

    def numbered(self) -> str:
        return "\n".join(f"{n}. Check `{self.ident()}`: {self.sentence()}" for n in range(1, self.rng.randint(4, 6)))

    # --- code -------------------------------------------------------------------------------------------

    def python(self) -> str:
        rng, name = self.rng, self.ident()
        arg, item, acc = rng.choice(("rows", "items", "values")), rng.choice(("row", "item", "x")), "collected"
        lines = [f"import {self.topic.library.split('.')[0]}", "", "",
                 f"def {name}({arg}, limit=None):", f'    """{self.sentence()}"""', f"    {acc} = []",
                 f"    for index, {item} in enumerate({arg}):", "        if limit is not None and index >= limit:",
                 "            break", f"        if {item} is None:", "            continue",
                 f"        {acc}.append({item} * {rng.randint(2, 9)})", f"    return {acc}", ""]
        for _ in range(rng.randint(1, 3)):
            numbers = ", ".join(str(rng.randint(0, 99)) for _ in range(rng.randint(3, 7)))
            lines += [f"result = {name}([{numbers}], limit={rng.randint(2, 5)})",
                      f'print(f"{name}: {{len(result)}} values, total {{sum(result)}}")']
        return "\n".join(lines)

    def console(self) -> str:
        library, script = self.topic.library.split(".")[0], self.ident()
        version = f"{self.rng.randint(1, 3)}.{self.rng.randint(0, 12)}.{self.rng.randint(0, 5)}"
        return "\n".join([
            "$ python -m venv .venv", "$ . .venv/bin/activate", f"$ pip install {library}",
            f"Collecting {library}", f"  Downloading {library}-{version}-py3-none-any.whl ({self.rng.randint(80, 900)} kB)",
            f"Successfully installed {library}-{version}", f"$ python {script}.py --limit {self.rng.randint(1, 50)}",
            f"{self.topic.exception}: {self.topic.message}"])

    def traceback(self) -> str:
        rng, script, library = self.rng, self.ident(), self.topic.library.split(".")[0]
        frames = [f'  File "/home/{self.user.lower()}/projects/demo/{script}.py", line {rng.randint(10, 90)}, in <module>',
                  "    main()",
                  f'  File "/home/{self.user.lower()}/projects/demo/{script}.py", line {rng.randint(5, 60)}, in main',
                  f"    {self.ident()}(rows, limit=args.limit)"]
        for depth in range(rng.randint(2, 4)):
            frames += [f'  File "/usr/lib/python3.11/site-packages/{library}/core_{depth}.py", line '
                       f"{rng.randint(100, 900)}, in {rng.choice(VERBS)}_{rng.choice(NOUNS)}",
                       f"    return self._{rng.choice(NOUNS)}({rng.choice(NOUNS)}, **options)"]
        return "\n".join(["Traceback (most recent call last):", *frames, f"{self.topic.exception}: {self.topic.message}"])

    def shell(self) -> str:
        script = self.ident()
        return "\n".join(["#!/usr/bin/env bash", "set -euo pipefail", "mkdir -p out",
                          "for f in data/*.csv; do", '  echo "processing $f"',
                          f'  python {script}.py "$f" --limit {self.rng.randint(10, 500)} > "out/$(basename "$f" .csv).json"',
                          "done", "echo \"done: $(ls out | wc -l) files\""])


def fence(lang: str, code: str) -> str:
    return f"```{lang}\n{code}\n```"


# --- the one-change scenario ---------------------------------------------------------------------------

_INTRO = re.compile(r"This conversation( \(revision \d+\))? is about")


def edit_post(path: Path, revision: int) -> None:
    """Change one post's body text (its first sentence), the same way for every tool."""
    text = path.read_text(encoding="utf-8")
    edited, count = _INTRO.subn(f"This conversation (revision {revision}) is about", text, count=1)
    if not count:
        raise ValueError(f"{path} has no introduction to edit")
    path.write_text(edited, encoding="utf-8")
