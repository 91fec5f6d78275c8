"""BM25 over the indexed chunks, and the analysers that turn text into its terms. The only
module importing bm25s (and PyStemmer), on first use: bm25s takes most of a second to import.

Two analysers exist. ``words`` is bm25s' own (runs of two or more word characters,
lower-cased, stop-worded, stemmed); the answerers compare sentences with it. ``identifiers``
(the index default) reads the way engineers paste text: ``EnableManagedSpotTraining``,
``train_use_spot_instances``, ``sts:AssumeRole`` or ``States.DataLimitExceeded`` give their
parts (``enabl manag spot train``) and, for an identifier, the whole name as one term as well,
with case and separators removed, so ``put_metric_data`` and ``PutMetricData`` match each other
and the parts still match prose.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import numpy as np

from tutor.config import LexicalAnalyzer as Analyzer

ANALYZERS: tuple[Analyzer, ...] = get_args(Analyzer)
LEGACY: Analyzer = "words"  # what an index saved without analyzer.json was built with

# A raw token: letters and digits, possibly joined by _ . : / - (names, ARNs, error codes).
_RAW = re.compile(r"[A-Za-z0-9]+(?:[_.:/-][A-Za-z0-9]+)*")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
# camelCase and PascalCase parts; an acronym run stays whole ("HTTPServer" -> HTTP, Server)
# and trailing digits stay with their letters ("S3", "EC2", "p3").
_CAMEL = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")
_IDENT = re.compile(r"[_.:]|[a-z][A-Z]|[A-Z]{2}[a-z]")
_SEPARATORS = re.compile(r"[_.:/-]")
_BM25_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default token_pattern
WHOLE = "~"  # marks a whole-identifier term, so it never collides with a stemmed word


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """The ``words`` analyser: lower-cased, stop-worded, stemmed terms, as bm25s.tokenize
    gives them (its default token pattern, English stop words, PyStemmer). Done here rather
    than by bm25s.tokenize, which builds a vocabulary, a stop-word set per text and three
    progress bars per call: the answerers call this for every candidate sentence."""
    stop = _stopwords()
    stem = _stemmer().stemWords
    return [stem([t for t in _BM25_TOKEN.findall(text.lower()) if t not in stop])
            for text in texts]


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, ...]:
    stop = _stopwords()
    stem = _stemmer().stemWord
    out = []
    for piece in _ALNUM.findall(token):
        for part in _CAMEL.findall(piece) or [piece]:
            low = part.lower()
            if len(low) > 1 and low not in stop:
                out.append(stem(low))
    if _IDENT.search(token):
        out.append(WHOLE + _SEPARATORS.sub("", token.lower()))
    return tuple(out)


def identifier_terms(text: str) -> list[str]:
    """The ``identifiers`` analyser for one text: stemmed parts of every token (camelCase and
    snake_case split, stop words and one-character parts dropped), plus the whole name of
    each identifier (mixed case, or joined by ``_``, ``.`` or ``:``) as a ``~``-marked term."""
    return [term for token in _RAW.findall(text) for term in _token_terms(token)]


def analyze(texts: Sequence[str], analyzer: Analyzer) -> list[list[str]]:
    """Terms of each text under ``analyzer``."""
    if analyzer == "words":
        return tokenize(texts)
    return [identifier_terms(t) for t in texts]


class LexicalIndex:
    """BM25 over chunk ids; rows are in the order the ids were given."""

    def __init__(self, ids: list[str], model: Any, analyzer: Analyzer):
        self.ids = ids
        self.model = model
        self.analyzer: Analyzer = analyzer
        self._row = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: Sequence[str], analyzer: Analyzer) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        if ids:
            model.index(analyze(texts, analyzer), show_progress=False)
        return cls(list(ids), model, analyzer)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ids.json").write_text(json.dumps(self.ids))
        (folder / "analyzer.json").write_text(json.dumps({"analyzer": self.analyzer}))
        if self.ids:
            self.model.save(str(folder), show_progress=False)

    @staticmethod
    def saved_analyzer(folder: Path) -> Analyzer:
        """The analyser an index on disk was built with (``words`` before it was recorded)."""
        path = folder / "analyzer.json"
        if not path.exists():
            return LEGACY
        name = json.loads(path.read_text())["analyzer"]
        if name not in ANALYZERS:
            raise ValueError(f"unknown BM25 analyser {name!r}")
        return name  # type: ignore[no-any-return]

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        ids = json.loads((folder / "ids.json").read_text())
        model = bm25s.BM25.load(str(folder), show_progress=False) if ids else bm25s.BM25()
        return cls(ids, model, cls.saved_analyzer(folder))

    def feedback_terms(self, query: str, texts: Sequence[str], count: int) -> list[str]:
        """Pseudo-relevance feedback: the ``count`` terms that weigh most in ``texts`` (the
        best-ranked passages), by their share of each passage times their idf, leaving out the
        query's own terms and terms found in one chunk only (names of one page, typos)."""
        vocab = self.model.vocab_dict
        if not self.ids or count <= 0 or not vocab:
            return []
        own = set(analyze([query], self.analyzer)[0])
        indptr = self.model.scores["indptr"]
        weight: dict[str, float] = {}
        for terms in analyze(texts, self.analyzer):
            tf = Counter(t for t in terms if t in vocab and t not in own)
            total = sum(tf.values()) or 1
            for term, c in tf.items():
                df = int(indptr[vocab[term] + 1] - indptr[vocab[term]])
                if df > 1:
                    weight[term] = weight.get(term, 0.0) + c / total * math.log(len(self.ids) / df)
        ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
        return [term for term, w in ranked[:count] if w > 0]

    def search(self, query: str, n: int, allowed: set[str] | None = None,
               extra: Sequence[str] = ()) -> list[tuple[str, float]]:
        """Top-n (chunk id, BM25 score) with a positive score, optionally restricted to ids;
        ``extra`` terms (already analysed, e.g. from feedback) are added to the query's."""
        if not self.ids:
            return []
        terms = analyze([query], self.analyzer)[0] + list(extra)
        vocab = self.model.vocab_dict
        terms = [t for t in terms if t in vocab]
        if not terms:
            return []
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            rows = [self._row[c] for c in allowed if c in self._row]
            if not rows:
                return []
            mask[rows] = 1.0
        n = min(n, len(self.ids))
        # n_threads=0: the one query is scored in this thread (any other number starts a
        # thread pool for it, which costs more than the scoring)
        docs, scores = self.model.retrieve([terms], k=n, show_progress=False, weight_mask=mask,
                                          n_threads=0)
        out = []
        for row, score in zip(docs[0], scores[0], strict=False):
            if score > 0:
                out.append((self.ids[int(row)], float(score)))
        return out
