"""content/companions/spacy_tour.py: entities, the tour of the post's text, the blank fallback."""

from __future__ import annotations

import pytest

from companions_support import load_companion

spacy = pytest.importorskip("spacy", reason="spaCy is not installed (requirements/companions.txt)")
tour_module = load_companion("spacy_tour")


@pytest.fixture(scope="module")
def nlp():
    if not any(spacy.util.is_package(name) for name in tour_module.PIPELINES):
        pytest.skip(f"none of {tour_module.PIPELINES} is installed (requirements/companions-nodeps.txt)")
    return tour_module.load_pipeline()


def test_apple_sentence_gives_org_gpe_money(nlp):
    result = tour_module.tour("Apple is looking at buying U.K. startup for $1 billion", nlp)
    assert result["entities"] == [("Apple", "ORG"), ("U.K.", "GPE"), ("$1 billion", "MONEY")]


def test_tour_of_the_post_text(nlp):
    result = tour_module.tour(tour_module.POST_TEXT, nlp)
    tokens = result["tokens"]
    assert result["pipeline"].startswith("en_core_web_sm")
    assert len(result["sentences"]) == 3
    assert result["sentences"][0].startswith("SpaCy is an open-source")
    by_text = {t["text"]: t for t in tokens}
    assert by_text["is"]["lemma"] == "be" and by_text["is"]["pos"] == "AUX"
    assert by_text["words"]["lemma"] == "word"
    assert by_text["library"]["pos"] == "NOUN"
    roots = [t for t in tokens if t["dep"] == "ROOT"]
    assert len(roots) == 3 and all(t["head"] == t["i"] for t in roots)
    assert all(0 <= t["head"] < len(tokens) for t in tokens)


def test_vectors_are_described_honestly(nlp):
    vectors = tour_module.describe_vectors(nlp)
    assert vectors["static"] is False and vectors["rows"] == 0
    assert vectors["note"].startswith("no static word vectors")


def test_missing_pipeline_falls_back_to_blank_with_a_warning():
    with pytest.warns(tour_module.MissingPipelineWarning, match="no_such_pipeline_xyz"):
        blank = tour_module.load_pipeline(("no_such_pipeline_xyz",))
    assert blank.pipe_names == ["sentencizer"]
    result = tour_module.tour("Tokens still work. So do sentences.", blank)
    assert result["sentences"] == ["Tokens still work.", "So do sentences."]
    assert result["entities"] == [] and result["tokens"][0]["pos"] == ""
    assert result["vectors"]["note"].startswith("no word vectors at all")


def test_main_prints_a_token_table(nlp, capsys):
    assert tour_module.main(["--text", "Apple is looking at buying U.K. startup for $1 billion"]) == 0
    out = capsys.readouterr().out
    assert "entities: Apple [ORG], U.K. [GPE], $1 billion [MONEY]" in out
    assert "vectors: no static word vectors" in out


def test_smoke(nlp):
    assert tour_module.smoke()["entities"] == [("Apple", "ORG"), ("U.K.", "GPE"), ("$1 billion", "MONEY")]
