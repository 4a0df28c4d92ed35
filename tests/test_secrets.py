"""Secrets in imported conversations and posts: each kind found where it is, redacted into a marker that reads,
and nothing found in what a technical post is full of (hashes, UUIDs, data URIs, docs' example keys).

Every key here is a fake built in the test in its issuer's shape (``"AKIA"`` + 16 base-32 characters); none is real.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from site_builder.secrets import GENERIC, Finding, find_secrets, marker, redact, warning
from site_paths import FIXTURES, ROOT

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"


def fake(length: int, alphabet: str = ALNUM, seed: int = 0) -> str:
    """``length`` characters of ``alphabet`` in a shuffled order: random-looking, the same on every run."""
    pool = list(alphabet) * (length // len(alphabet) + 1)
    random.Random(seed).shuffle(pool)
    return "".join(pool[:length])


def b64_lines(count: int, seed: int) -> list[str]:
    return [base64.b64encode(random.Random(seed + n).randbytes(48)).decode() for n in range(count)]


AWS_ID = "AKIA" + fake(16, string.ascii_uppercase + "234567", 1)
AWS_SECRET = fake(40, ALNUM + "/+", 2)
GITHUB = "ghp_" + fake(36, seed=3)
GITHUB_FINE = "github_pat_" + fake(22, seed=4) + "_" + fake(59, seed=5)
OPENAI_LEGACY = "sk-" + fake(20, seed=6) + "T3BlbkFJ" + fake(20, seed=7)
OPENAI_PROJECT = "sk-proj-" + fake(74, URLSAFE, 8) + "T3BlbkFJ" + fake(74, URLSAFE, 9)
ANTHROPIC = "sk-ant-api03-" + fake(93, URLSAFE, 10) + "AA"
GOOGLE = "AIza" + fake(35, URLSAFE, 11)
SLACK = "xoxb-" + fake(11, string.digits, 12) + "-" + fake(13, string.digits, 13) + "-" + fake(24, seed=14)
STRIPE = "sk_live_" + fake(24, seed=15)
JWT = ".".join([base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("="),
                base64.urlsafe_b64encode(json.dumps({"sub": "1234567890"}).encode()).decode().rstrip("="),
                fake(43, URLSAFE, 16)])
URL_PASSWORD = fake(14, seed=17)
GENERIC_VALUE = fake(32, seed=18)
HEX_SECRET = fake(64, "0123456789abcdef", 19)

# (text, the secret in it, its kind)
KINDS = [
    (f"My key id is {AWS_ID}, region eu-west-1.", AWS_ID, "AWS access key"),
    (f'aws_secret_access_key = "{AWS_SECRET}"', AWS_SECRET, "AWS secret access key"),
    (f"git remote set-url origin https://x:{GITHUB}@github.com/me/repo", GITHUB, "GitHub token"),
    (f"export GH_TOKEN={GITHUB_FINE}", GITHUB_FINE, "GitHub token"),
    (f"Here is my key: {OPENAI_LEGACY} — why does it fail?", OPENAI_LEGACY, "OpenAI API key"),
    (f'client = OpenAI(api_key="{OPENAI_PROJECT}")', OPENAI_PROJECT, "OpenAI API key"),
    (f"`{ANTHROPIC}`", ANTHROPIC, "Anthropic API key"),
    (f"https://maps.googleapis.com/maps/api/geocode/json?address=x&key={GOOGLE}", GOOGLE, "Google API key"),
    (f"SLACK_BOT_TOKEN={SLACK}", SLACK, "Slack token"),
    (f"stripe.api_key = '{STRIPE}'", STRIPE, "Stripe key"),
    (f"curl -H 'Authorization: Bearer {JWT}' https://api.example.com", JWT, "JWT"),
    (f"postgres://app:{URL_PASSWORD}@db.internal:5432/prod", URL_PASSWORD, "password in a URL"),
    (f'DB_PASSWORD="{GENERIC_VALUE}"', GENERIC_VALUE, GENERIC),
    (f"SECRET_KEY = '{HEX_SECRET}'", HEX_SECRET, GENERIC),
    (f"  clientSecret: {GENERIC_VALUE}", GENERIC_VALUE, GENERIC),
    (f"OPENWEATHER_APIKEY={GENERIC_VALUE} python app.py", GENERIC_VALUE, GENERIC),
]


def located(text: str, finding: Finding) -> str:
    """The characters a finding points at."""
    return text.splitlines()[finding.line - 1][finding.column - 1:finding.end - 1]


@pytest.mark.parametrize(("text", "secret", "kind"), KINDS, ids=[kind for _, _, kind in KINDS])
def test_each_kind_is_found_where_it_is_and_redacted(text, secret, kind):
    (finding,) = find_secrets(text)
    assert finding.kind == kind
    assert located(text, finding) == secret
    redacted, findings = redact(text)
    assert findings == (finding,)
    assert secret not in redacted
    in_url = secret in (GITHUB, GOOGLE, URL_PASSWORD)  # in a URL, where a space would end it
    assert redacted == text.replace(secret, marker(kind, in_url))


def test_markers_read_as_redacted():
    assert redact(f"use {OPENAI_LEGACY} here")[0] == "use [redacted: OpenAI API key] here"
    assert redact(f'password = "{GENERIC_VALUE}"')[0] == 'password = "[redacted: secret]"'
    assert redact(f"[db](https://bob:{URL_PASSWORD}@example.com/)")[0] == \
        "[db](https://bob:[redacted:password-in-a-URL]@example.com/)"


def test_a_private_key_keeps_its_begin_and_end_lines():
    body = b64_lines(5, 20)
    text = "```\n-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END OPENSSH PRIVATE KEY-----\n```\n"
    redacted, (finding,) = redact(text)
    assert redacted == ("```\n-----BEGIN OPENSSH PRIVATE KEY-----\n[redacted: private key]\n"
                        "-----END OPENSSH PRIVATE KEY-----\n```\n")
    assert (finding.line, finding.column, finding.kind) == (3, 1, "private key")
    assert located(text, finding) == body[0]


def test_a_private_key_in_a_quote_and_in_a_json_string():
    body = b64_lines(3, 30)
    quoted = "> -----BEGIN RSA PRIVATE KEY-----\n> " + "\n> ".join(body) + "\n> -----END RSA PRIVATE KEY-----"
    assert redact(quoted)[0] == ("> -----BEGIN RSA PRIVATE KEY-----\n> [redacted: private key]\n"
                                 "> -----END RSA PRIVATE KEY-----")
    service_account = json.dumps({"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n"
                                  + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"})
    redacted, (finding,) = redact(service_account)
    assert finding.kind == "private key"
    assert json.loads(redacted)["private_key"] == ("-----BEGIN PRIVATE KEY-----\n[redacted: private key]\n"
                                                   "-----END PRIVATE KEY-----\n")


def test_a_cut_off_private_key_loses_its_body_and_keeps_the_prose_after_it():
    text = "-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(b64_lines(2, 40)) + "\n\nThen I ran the command."
    assert redact(text)[0] == "-----BEGIN EC PRIVATE KEY-----\n[redacted: private key]\n\nThen I ran the command."


NOT_SECRETS = f"""\
# Pinning what we install

I fixed it in commit {hashlib.sha1(b"fix").hexdigest()} (see `git show {hashlib.sha1(b"fix").hexdigest()[:7]}`).
Each request carries an id like {uuid.UUID(int=random.Random(1).getrandbits(128), version=4)}.

```toml
[[package]]
name = "requests"
files = [{{file = "requests-2.32.3.tar.gz", hash = "sha256:{hashlib.sha256(b"requests").hexdigest()}"}}]
rev = "{hashlib.sha1(b"rev").hexdigest()}"
```

```json
{{"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
  "integrity": "sha512-{base64.b64encode(hashlib.sha512(b"left-pad").digest()).decode()}",
  "request_id": "{uuid.UUID(int=random.Random(2).getrandbits(128), version=4)}",
  "api_key": "{uuid.UUID(int=random.Random(3).getrandbits(128), version=4)}"}}
```

![chart](data:image/png;base64,{base64.b64encode(random.Random(4).randbytes(3000)).decode()})

```python
import os
from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])  # export OPENAI_API_KEY="sk-..."
password = getpass.getpass()
token = tokenizer.encode(text)
next_token = torch.argmax(logits[:, -1], dim=-1)
response = client.chat.completions.create(model="gpt-4o", max_tokens=4096, temperature=0.7)
public_key = "{fake(40, seed=50)}"
cache_key = "{hashlib.sha256(b"cache").hexdigest()}"
token = "ab12ab12ab12ab12ab12"
db_secret = "projects/123456/secrets/dbPassword/versions/2"
```

AWS's own example keys are AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; put yours in
`~/.aws/credentials` as `aws_secret_access_key = YOUR_SECRET_ACCESS_KEY`. A GitHub token looks like
`ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, an OpenAI one `sk-proj-...`, Anthropic's `sk-ant-api03-...`.

Connect with `postgres://user:password@localhost:5432/app` or `postgres://postgres:postgres@localhost/db`,
`https://user:${{DB_PASSWORD}}@host/`, `https://x-access-token:TOKEN_FROM_CI_2024@github.com/o/r`, `redis://:****@cache:6379`, or clone `https://user@github.com/me/repo`.
fsspec reads `github://org:repo@sha/data.csv`. A PEM key begins `-----BEGIN RSA PRIVATE KEY-----`, then `MIIE...`, and ends `-----END RSA PRIVATE KEY-----`.
The header `Authorization: Bearer <token>` carries it; `monkey: {fake(24, seed=51)}` is a YAML key, not a secret.
"""


def test_a_token_inside_a_longer_run_of_base64_is_not_one():
    """Keys' prefixes turn up inside data URIs and hashes by chance: a token must stand alone."""
    blob = base64.b64encode(random.Random(5).randbytes(300)).decode()
    for token in (AWS_ID, GOOGLE, GITHUB, OPENAI_LEGACY, SLACK, STRIPE, JWT):
        assert find_secrets(f"![x](data:image/png;base64,{blob[:200]}{token}{blob[200:]})") == (), token
        assert find_secrets(f"{blob[:100]}/{token}") == (), token
    assert find_secrets(f"{AWS_ID}{blob[:30]}") == ()
    assert find_secrets(f"{GOOGLE}x") == (), "a Google API key is 39 characters, no more"


def test_a_technical_post_without_secrets_has_none():
    assert find_secrets(NOT_SECRETS) == ()
    assert redact(NOT_SECRETS) == (NOT_SECRETS, ())


def _posts() -> list[Path]:
    folders = [ROOT / "content", FIXTURES / "blog-posts", ROOT.parent / "shared" / "seed"]
    files = [path for folder in folders if folder.is_dir() for path in folder.rglob("*") if path.is_file()
             and path.suffix in {".md", ".mdx", ".txt", ".py", ".yaml"}]
    return sorted(files + list((FIXTURES / "parser").glob("*.md")))


def test_the_repositorys_posts_and_fixtures_hold_no_secret():
    posts = _posts()
    assert len(posts) > 100, "the posts were not found"
    found = {str(path.relative_to(ROOT.parent)): find_secrets(path.read_text(encoding="utf-8")) for path in posts}
    assert {path: findings for path, findings in found.items() if findings} == {}


ALL_KINDS = "\n\n".join(text for text, _, _ in KINDS) + "\n\n```\n-----BEGIN PRIVATE KEY-----\n" + \
    "\n".join(b64_lines(4, 60)) + "\n-----END PRIVATE KEY-----\n```\n"


def test_redacting_twice_is_redacting_once():
    once, findings = redact(ALL_KINDS)
    assert len(findings) == len(KINDS) + 1
    assert redact(once) == (once, ())


@pytest.mark.parametrize("kind", sorted({kind for _, _, kind in KINDS} | {"private key"}))
def test_a_marker_is_never_a_secret(kind):
    for text in (marker(kind), marker(kind, in_url=True), f'api_key = "{marker(kind)}"',
                 f"password: {marker(kind)}", f"https://bob:{marker(kind, in_url=True)}@host/"):
        assert find_secrets(text) == (), text


def _shape(text: str) -> list[tuple]:
    """The Markdown's block and inline structure: token types, tags and nesting, without the text."""
    md = MarkdownIt("commonmark").enable("table")
    return [(token.type, token.tag, token.nesting, [(child.type, child.nesting) for child in token.children or ()])
            for token in md.parse(text)]


def test_redacting_keeps_the_markdown_shape():
    post = f"""\
Here is my key {OPENAI_LEGACY} and the [dashboard](https://admin:{URL_PASSWORD}@example.com/x).
Also <https://bob:{URL_PASSWORD}@example.com/> and `{GITHUB}` inline, then the key {GOOGLE}(expired).

| name | value |
|---|---|
| slack | {SLACK} |

- a list item: {STRIPE}
  > quoted: api_token: {GENERIC_VALUE}

```bash
export AWS_ACCESS_KEY_ID={AWS_ID}
curl -H "Authorization: Bearer {JWT}" https://api.example.com
```
"""
    redacted, findings = redact(post)
    assert len(findings) == 10
    assert _shape(redacted) == _shape(post)
    assert "redacted:password-in-a-URL]@example.com" in MarkdownIt("commonmark").render(redacted)


def test_line_and_column_count_from_one():
    text = "first line\nsecond\n  key: " + AWS_ID + " ok\n"
    (finding,) = find_secrets(text)
    assert finding == Finding(line=3, column=8, end=8 + len(AWS_ID), kind="AWS access key")


def test_a_secret_split_across_lines_does_not_crash():
    for secret in (GITHUB, OPENAI_PROJECT, ANTHROPIC, JWT, AWS_ID):
        for cut in (3, len(secret) // 2, len(secret) - 2):
            text = f"my key is {secret[:cut]}\n{secret[cut:]} thanks"
            redacted, findings = redact(text)
            assert all(1 <= finding.line <= 2 for finding in findings)
            assert redact(redacted) == (redacted, ())


def test_the_build_warning_names_the_place_and_what_to_do():
    (finding,) = find_secrets("intro\n\nkey: " + OPENAI_LEGACY)
    assert warning("posts/2024-01-01-hello.md", finding) == (
        "posts/2024-01-01-hello.md:3: warning: looks like an OpenAI API key (column 6); if it is real, "
        "revoke it now (publishing it leaks it), then replace it with [redacted: OpenAI API key] or a placeholder")


# --- wired in: the build warns with file:line, an import redacts by default (issue 21, point 6) -----------------

def _fake_openai_key() -> str:
    rng = random.Random(7)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
    return f"sk-proj-{body}T3BlbkFJ{body[:20]}"


def test_the_build_warns_with_file_and_line_for_a_secret_in_a_post(tmp_path):
    from site_builder.build import build_site

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    post = content / "posts" / "2024-01-02-a.md"
    post.write_text(f"---\ntitle: A\n---\n\nUser: why does this fail?\n\n```python\nclient = OpenAI(api_key=\"{_fake_openai_key()}\")\n```\n\n"
                    "ChatGPT: Never paste keys.\n", encoding="utf-8")
    (content / "posts" / "2024-01-03-b.md").write_text("---\ntitle: B\n---\n\nUser: b?\n\nChatGPT: b.\n", encoding="utf-8")
    (content / "site.yaml").write_text("title: T\nbase_url: https://example.org/\n", encoding="utf-8")
    result = build_site(content, tmp_path / "site")
    found = [w for w in result.warnings if "OpenAI API key" in w]
    assert found == [f"{post}:8: warning: looks like an OpenAI API key (column 26); if it is real, revoke it now "
                     "(publishing it leaks it), then replace it with [redacted: OpenAI API key] or a placeholder"]
    again = build_site(content, tmp_path / "site")  # said again by a build that renders nothing new
    assert [w for w in again.warnings if "OpenAI API key" in w] == found


def test_an_import_redacts_secrets_by_default_and_names_each_and_keeps_them_when_asked(tmp_path, capsys):
    from site_builder.cli import main

    key = _fake_openai_key()
    export = tmp_path / "data.json"
    export.write_text(json.dumps([{"id": "s1", "conversations": [
        {"from": "human", "value": f"Here is my config:\n\nOPENAI_API_KEY={key}\n\nWhy 401?"},
        {"from": "gpt", "value": "Rotate that key."}]}]), encoding="utf-8")
    assert main(["import", str(export), "--all", "--out", str(tmp_path / "posts"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    [post] = (tmp_path / "posts").glob("*.md")
    text = post.read_text(encoding="utf-8")
    assert key not in text and "OPENAI_API_KEY=[redacted: OpenAI API key]" in text
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "[redacted" in row)
    assert f"note: line {line}: redacted an OpenAI API key (it was in the export; if it is real, revoke it)" in out
    assert main(["import", str(export), "--all", "--out", str(tmp_path / "kept"), "--keep-secrets", "--no-progress"]) == 0
    assert key in next((tmp_path / "kept").glob("*.md")).read_text(encoding="utf-8")


def test_the_words_a_rule_needs_are_read_in_any_case():
    """A rule runs only over texts holding its words (lower-cased): upper-case words and every Stripe prefix are
    still found."""
    body = fake(32, seed=61)
    cases = [(f"AUTHORIZATION: BEARER {body}", "bearer token"), (f"rk_live_{fake(24, seed=62)}", "Stripe key"), (f"whsec_{fake(32, seed=63)}", "Stripe key"),
             (f"DB_PASSWORD={fake(24, seed=64)}", GENERIC), (f"HTTPS://admin:{fake(16, seed=65)}@db.internal/x", "password in a URL")]
    for text, kind in cases:
        assert [f.kind for f in find_secrets(text)] == [kind], text


def test_a_rule_searched_line_by_line_finds_what_the_whole_text_search_finds():
    """``_Rule.matches`` searches only the lines holding one of a one-line rule's words: the same matches as
    ``finditer`` over the whole text, on texts of its words, operators, quotes, line ends and letters that a
    case-blind search folds (``K`` Kelvin, long ``s``: such a text is searched whole)."""
    from site_builder.secrets import _RULES
    rules = [rule for rule in _RULES if rule.one_line]
    assert rules
    pieces = ["key", "KEY", "Key", "secret", "Token", "password", "passwd", "pwd", "credentials", "api_key", "\n",
              "\r\n", "\r", " ", "\t", "=", ":", ":=", "=>", '"', "'", "`", "]", fake(18, seed=1), fake(24, seed=2),
              "x", "-", "!@#%^&*", "\u212aey", "\u017fecret", "pa\u017f\u017fword", "to\u212aen", "é"]
    rng = random.Random(23)
    found = 0
    for _ in range(4_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for rule in rules:
            whole = [match.span() for match in rule.pattern.finditer(text)]
            assert [match.span() for match in rule.matches(text, text.lower())] == whole, repr(text)
            found += bool(whole)
    assert found > 200  # the texts do hold matches
    from site_builder.secrets import WHOLE_SEARCH_LINES
    lines = "prose\n" + "key = x\n" * WHOLE_SEARCH_LINES
    assert rules[0]._lines(lines) == [6 + 8 * n for n in range(WHOLE_SEARCH_LINES)]
    assert rules[0]._lines(lines + "token\n") is None  # so many lines: the whole text is searched at once
