"""One blog in many languages: which posts are translations of each other (each rule), the pages per language,
and the theme's words in each shipped language."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from site_builder.build import build_site
from site_builder.errors import BuildError
from site_builder.model import Post
from site_builder.discover import THEME_DIR
from site_builder.render import make_environment, plural_form, translate

FIXTURE = Path(__file__).parent / "browser" / "fixtures" / "multilingual"
SHIPPED = ("en", "zh", "ja", "fr", "de", "es", "ar", "hi")


def write(root: Path, name: str, front: str, body: str = "An article.") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front.strip()}\n---\n\n{body}\n", encoding="utf-8")
    return path


def switcher(page: str) -> list[tuple[str, str, bool]]:
    """(lang, href, current) of each link of the page's language switcher."""
    nav = re.search(r'<nav class="translations".*?</nav>', page, re.S)
    if nav is None:
        return []
    return [(m["lang"], m["href"], bool(m["current"])) for m in re.finditer(
        r'<a href="(?P<href>[^"]*)" lang="(?P<lang>[^"]*)" hreflang="[^"]*" dir="[^"]*"(?P<current> aria-current="page")?',
        nav.group(0))]


def hreflangs(page: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))


def test_rule_a_language_folders_and_suffix_with_lang(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(FIXTURE, out)
    zh = (out / "2023/08/18/llama-zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh" dir="ltr">' in zh
    assert switcher(zh) == [("en", "../../../2023/08/18/llama-en.html", False),
                            ("ar", "../../../2023/08/18/llama-ar.html", False),
                            ("fr", "../../../2023/08/18/llama-fr.html", False),
                            ("zh", "../../../2023/08/18/llama-zh.html", True)]
    assert hreflangs(zh) == {"en": "https://example.org/multi/2023/08/18/llama-en.html",
                             "ar": "https://example.org/multi/2023/08/18/llama-ar.html",
                             "fr": "https://example.org/multi/2023/08/18/llama-fr.html",
                             "zh": "https://example.org/multi/2023/08/18/llama-zh.html",
                             "x-default": "https://example.org/multi/2023/08/18/llama-en.html"}
    ar = (out / "2023/08/18/llama-ar.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in ar and 'aria-label="هذه التدوينة بلغات أخرى"' in ar


def test_rule_b_the_same_slug_in_language_folders(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "posts/en/llama.md", "title: Llama\ndate: 2024-01-01")
    write(content, "posts/fr/llama.md", "title: Le lama\ndate: 2024-01-01")
    write(content, "posts/other.md", "title: Other\ndate: 2024-01-02")
    build_site(content, tmp_path / "out")
    fr = (tmp_path / "out/fr/posts/llama/index.html").read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr">' in fr, "the folder gives the language"
    assert switcher(fr) == [("en", "../../../posts/llama/", False), ("fr", "../../../fr/posts/llama/", True)]
    en = (tmp_path / "out/posts/llama/index.html").read_text(encoding="utf-8")
    assert switcher(en) == [("en", "../../posts/llama/", True), ("fr", "../../fr/posts/llama/", False)]
    assert switcher((tmp_path / "out/posts/other/index.html").read_text(encoding="utf-8")) == []


def test_rule_c_translation_key_and_translation_of(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "posts/2024-01-01-tokens.md", "title: Tokens\nlang: en")
    write(content, "posts/2024-01-02-jetons.md", "title: Jetons\nlang: fr\ntranslation_of: 2024-01-01-tokens.md")
    write(content, "posts/2024-01-03-a.md", "title: A\nlang: en\ntranslationKey: shared")
    write(content, "posts/2024-01-04-b.md", "title: B\nlang: ja\ntranslationKey: shared")
    write(content, "posts/2024-01-05-c.md", "title: C\nlang: de\nref: shared")
    build_site(content, tmp_path / "out")
    jetons = (tmp_path / "out/posts/jetons/index.html").read_text(encoding="utf-8")
    assert [lang for lang, _, _ in switcher(jetons)] == ["en", "fr"]
    b = (tmp_path / "out/posts/b/index.html").read_text(encoding="utf-8")
    assert [(lang, current) for lang, _, current in switcher(b)] == [("en", False), ("de", False), ("ja", True)]
    assert "日本語" in b and "Deutsch" in b


def test_a_post_without_translation_has_no_switcher_and_lists_in_its_language(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site(FIXTURE, out)
    alone = (out / "2023/10/01/seulement.html").read_text(encoding="utf-8")
    assert switcher(alone) == [] and hreflangs(alone) == {}
    assert '<html lang="fr"' in alone and ">Archives</a>" in alone, "the page's words are French"
    assert "seulement.html" in (out / "fr/index.html").read_text(encoding="utf-8")
    assert "seulement.html" not in (out / "index.html").read_text(encoding="utf-8")


def test_two_posts_claiming_one_translation_key_is_an_error_naming_both(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "posts/2024-01-01-a.md", "title: A\nlang: fr\ntranslationKey: same")
    write(content, "posts/2024-01-02-b.md", "title: B\ntags: [x]\nlang: fr\ntranslationKey: same")
    write(content, "posts/2024-01-03-c.md", "title: C\nlang: en\ntranslationKey: same")
    with pytest.raises(BuildError) as failed:
        build_site(content, tmp_path / "out")
    message = str(failed.value)
    assert re.search(r"2024-01-02-b\.md:5: this post and .*2024-01-01-a\.md:4 are both the 'fr' translation of "
                     r"'same'", message), message
    assert "translationKey" in message


def test_a_site_in_one_language_gets_no_language_folders(tmp_path: Path) -> None:
    content = tmp_path / "content"
    write(content, "posts/2024-01-01-a.md", "title: A")
    write(content, "posts/2024-01-02-b.md", "title: B\nlang: ar")
    build_site(content, tmp_path / "out")
    assert not (tmp_path / "out/ar").exists()
    b = (tmp_path / "out/posts/b/index.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in b and ">Archive</a>" in b and "hreflang" not in b


def test_every_shipped_language_has_every_english_key() -> None:
    english = yaml.safe_load((THEME_DIR / "i18n" / "en.yaml").read_text(encoding="utf-8"))
    for lang in SHIPPED:
        words = yaml.safe_load((THEME_DIR / "i18n" / f"{lang}.yaml").read_text(encoding="utf-8"))
        assert set(words) == set(english), lang
        for key, value in words.items():  # the same placeholders as English
            if isinstance(english[key], str):
                assert set(re.findall(r"\{\w+\}", value)) == set(re.findall(r"\{\w+\}", english[key])), (lang, key)


def test_every_theme_word_goes_through_the_lookup() -> None:
    """No English word is left in a template's text outside ``t()`` (the Jinja tags and HTML stripped)."""
    for path in sorted(THEME_DIR.glob("*.html")):
        text = path.read_text(encoding="utf-8").replace("{% block og_type %}article", "")  # a value, not a word
        text = re.sub(r"\{[{%#].*?[}%#]\}", " ", text, flags=re.S)
        text = re.sub(r"<(script|code)\b.*?</\1>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text)
        words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ("Title", "site", "builder", "new")]
        assert not words, f"{path.name}: {words}"


def test_words_fall_back_to_english_and_plurals_follow_the_language(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    (overrides / "i18n").mkdir(parents=True)
    (overrides / "i18n" / "fr.yaml").write_text("archive: Mes archives\n", encoding="utf-8")
    env = make_environment(THEME_DIR, overrides)
    assert translate(env, "fr", "archive") == "Mes archives", "the site's file wins"
    assert translate(env, "fr", "feed") == "Feed", "a key the site's file lacks is English (the site's file replaces)"
    assert translate(env, "pt-BR", "archive") == "Archive", "a language with no file: English"
    assert translate(env, "zh-Hans", "archive") == "归档", "zh-Hans reads zh"
    assert translate(env, "ar", "questions", count=2) == "سؤالان"
    assert translate(env, "ar", "questions", count=5) == "5 أسئلة"
    assert translate(env, "en", "questions", count=1) == "1 question"
    assert plural_form("fr", 0) == "one" and plural_form("ja", 1) == "other"
    assert translate(env, "en", "posts_tagged", tag="<b>") == "Posts tagged “&lt;b&gt;”", "values are escaped"


def test_an_incremental_build_of_a_multilingual_site_writes_what_a_cold_one_does(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    build_site(content, tmp_path / "warm")
    zh = content / "_posts/zh/2023-08-18-llama-zh.md"
    zh.write_text(zh.read_text(encoding="utf-8").replace("lang: zh\n", "lang: zh\ntags: [llama, 本地]\n", 1)
                  .replace("tags: [llama]\n", "", 1), encoding="utf-8")
    (content / "_posts/fr/2023-10-01-seulement.md").unlink()
    build_site(content, tmp_path / "warm")
    cold = tmp_path / "cold-content"
    shutil.copytree(content, cold)
    build_site(cold, tmp_path / "cold")

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and ".site-builder" not in p.name}
    warm, fresh = files(tmp_path / "warm"), files(tmp_path / "cold")
    assert warm.keys() == fresh.keys()
    assert [path for path in warm if warm[path] != fresh[path]] == []
    assert not (tmp_path / "warm/fr/tags/notes").exists(), "the French-only tag went with its post"
    assert "本地" in (tmp_path / "warm/zh/tags/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang, direction", [
    ("ar", "rtl"), ("he-IL", "rtl"), ("fa_IR", "rtl"), ("iw", "rtl"), ("en", "ltr"), ("zh-yue-Hant", "ltr"),
    ("ks", "rtl"), ("arc", "rtl"),      # Kashmiri's default script is Perso-Arabic, Aramaic's Imperial Aramaic
    ("ku", "ltr"), ("ku-Arab", "rtl"), ("ku-Arab-IQ", "rtl"), ("pa-Arab", "rtl"),  # the script decides
    ("ks-Deva", "ltr"), ("sd-Deva", "ltr"), ("en-x-arab", "ltr"),  # ... and a private-use subtag is no script
])
def test_a_post_and_its_page_read_one_text_direction(lang: str, direction: str) -> None:
    """The ``dir`` of a post's article and of the page's ``<html>`` (the templates' ``text_direction`` filter)
    come from one rule: they disagreed on ``ks``, ``arc`` and ``ku-Arab``, and the page's missed ``ku-Arab-IQ``."""
    post = Post(Path("posts/p.md"), "p", "P", dt.date(2024, 1, 1), "", 1, lang=lang)
    page = make_environment(THEME_DIR, None).filters["text_direction"](lang)
    assert (post.direction, page) == (direction, direction)
