"""`python -m evals.adapt --out DIR`: domain adaptation of the bundled encoder on the corpus
itself (issue 19), a maintainer tool.

The corpus is read with the tutor's own loaders and chunker. Every chunk gives
(pseudo-query, passage) pairs whose queries are the headings it sits under: its page title and
heading path, its own heading when that heading is specific (used on few pages), and the page
title alone for a page's introduction. The passage is the chunk's text without its
title/heading context line, since with it the query would be found word for word. The bundled
all-MiniLM-L6-v2 is fine-tuned on a seeded sample of those pairs with
MultipleNegativesRankingLoss (in-batch negatives; no two pairs of a batch come from one page),
on CPU, and saved as a sentence-transformers folder that ``TUTOR_EMBED_MODEL`` can name.

No eval question is ever a training query: the run stops if one is. The figures and how to
reproduce them are in the README (Current results, "Retrieval methods for real questions").
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.cases import DATASETS_DIR
from ingest.walk import read_url_manifest, walk
from tutor.chunk import Chunker
from tutor.config import Settings, get_settings
from tutor.errors import LoadError
from tutor.load import load_file
from tutor.types import Chunk

DEFAULT_CORPORA = (Path("corpus/notes"), Path("../shared/aws-docs"))
MAX_MB = 100.0
MIN_WORDS = 12  # shorter passages (a link list, a lone table row) teach little
SPECIFIC_PAGES = 2  # a heading used on more pages ("Overview", "Example") is not a query alone


@dataclass(frozen=True)
class Pair:
    """One training example: a pseudo-query, the passage it should find, and the page."""

    query: str
    passage: str
    source: str
    kind: str  # "path", "heading" or "title"


def load_chunks(paths: Sequence[Path], settings: Settings) -> list[Chunk]:
    """The chunks an ingest of ``paths`` would index (same loaders, chunker and sizes)."""
    from tutor.embed.base import bundled_model_path, load_tokenizer

    tok = load_tokenizer(bundled_model_path())
    if tok is None:
        raise SystemExit("the bundled model has no tokenizer.json")

    def count(texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in tok.encode_batch(list(texts), add_special_tokens=False)]

    chunker = Chunker(count, settings.chunk_tokens, settings.chunk_overlap)
    chunks: list[Chunk] = []
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    for sf in walk(list(paths)):
        if sf.problem is not None:
            continue
        if sf.root not in manifests:
            manifests[sf.root] = read_url_manifest(sf.root)
        try:
            doc = load_file(sf.path, sf.source, max_bytes=int(settings.max_file_mb * 2**20),
                            max_pdf_pages=settings.max_pdf_pages,
                            meta=manifests[sf.root].get(sf.source, {}))
        except LoadError:
            continue
        doc.corpus = sf.corpus
        chunks.extend(c for c in chunker.chunk(doc) if c.text.strip())
    return chunks


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _key(text: str) -> str:
    return _clean(text).casefold()


def build_pairs(chunks: Iterable[Chunk], *, specific_pages: int = SPECIFIC_PAGES,
                min_words: int = MIN_WORDS) -> list[Pair]:
    """(pseudo-query, passage) pairs from every chunk, deduplicated, in chunk order:

    - ``path``: the page title and the headings above the chunk ("Title Heading Subheading");
    - ``heading``: the chunk's own heading alone, if it heads sections on at most
      ``specific_pages`` pages;
    - ``title``: the page title alone, for the chunks before the page's first heading.
    """
    chunks = [c for c in chunks if len(c.text.split()) >= min_words]
    pages: dict[str, set[str]] = defaultdict(set)
    for c in chunks:
        heads = [h for h in c.heading_path if h != c.title]
        if heads:
            pages[_key(heads[-1])].add(c.source)
    out: list[Pair] = []
    seen: set[tuple[str, str]] = set()

    def add(query: str, c: Chunk, kind: str) -> None:
        query, passage = _clean(query), c.text.strip()
        if query and (_key(query), passage) not in seen:
            seen.add((_key(query), passage))
            out.append(Pair(query, passage, c.source, kind))

    for c in chunks:
        heads = [_clean(h) for h in c.heading_path if h != c.title]
        if not heads:
            add(c.title, c, "title")
            continue
        add(" ".join([c.title, *heads]), c, "path")
        if len(pages[_key(heads[-1])]) <= specific_pages:
            add(heads[-1], c, "heading")
    return out


def eval_questions(folder: Path = DATASETS_DIR) -> set[str]:
    """Every question of every eval dataset (case and spacing folded)."""
    out: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line).get("question")
                if isinstance(question, str):
                    out.add(_key(question))
    return out


def check_no_eval_queries(pairs: Iterable[Pair], questions: set[str]) -> None:
    """Fail if an eval question is a training query: the eval sets are never trained on."""
    leaked = sorted({p.query for p in pairs if _key(p.query) in questions})
    if leaked:
        raise AssertionError(f"{len(leaked)} training queries are eval questions, e.g. "
                             f"{leaked[0]!r}")


def sample(pairs: Sequence[Pair], max_pairs: int, seed: int) -> list[Pair]:
    """At most ``max_pairs`` pairs, drawn with ``seed`` (all of them, shuffled, if fewer)."""
    rng = random.Random(seed)
    picked = list(pairs)
    rng.shuffle(picked)
    return picked[:max_pairs]


def batches(pairs: Sequence[Pair], size: int) -> list[list[Pair]]:
    """Pairs in order, packed into batches of ``size`` with no page and no query twice in a
    batch (each other pair of a batch is a negative, so it must not also be a right answer).
    A last batch of one pair is dropped: it has no negative."""
    open_: list[tuple[list[Pair], set[str]]] = []
    done: list[list[Pair]] = []
    for p in pairs:
        keys = {"s:" + p.source, "q:" + _key(p.query)}
        for i, (batch, used) in enumerate(open_):
            if not keys & used:
                batch.append(p)
                used |= keys
                if len(batch) == size:
                    done.append(batch)
                    del open_[i]
                break
        else:
            open_.append(([p], set(keys)))
            if size == 1:
                done.append(open_.pop()[0])
    done.extend(batch for batch, _ in open_ if len(batch) > 1)
    return done


def folder_mb(path: Path) -> float:
    """Size of every file under ``path``, in MB (10^6 bytes)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def train(groups: Sequence[Sequence[Pair]], out: Path, *, base: str, epochs: int, lr: float,
          seed: int, max_seq: int, threads: int, log_every: int = 20) -> dict[str, Any]:
    """Fine-tune ``base`` on the batches (the torch runtime owns sentence-transformers) and
    save it to ``out``; returns steps, seconds and the mean loss of the first and last tenth."""
    from tutor.embed.torch_runtime import fine_tune

    return fine_tune([[(p.query, p.passage) for p in batch] for batch in groups], out,
                     base=base, epochs=epochs, lr=lr, seed=seed, max_seq=max_seq,
                     threads=threads, log_every=log_every)


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m evals.adapt", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the adapted model")
    ap.add_argument("--corpus", type=Path, action="append",
                    help="folder to read (repeatable; default corpus/notes and "
                    "../shared/aws-docs)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-pairs", type=int, default=1024, help="pairs sampled for training")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--max-seq", type=int, default=128,
                    help="word pieces read per text while training (the saved model keeps 256)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (0: library default)")
    ap.add_argument("--dry-run", action="store_true", help="build and count the pairs only")
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = _args(argv)
    from tutor.embed.base import bundled_model_path

    started = time.perf_counter()
    corpora = args.corpus or list(DEFAULT_CORPORA)
    chunks = load_chunks(corpora, get_settings())
    pairs = build_pairs(chunks)
    check_no_eval_queries(pairs, eval_questions())
    kinds = {k: sum(p.kind == k for p in pairs) for k in ("path", "heading", "title")}
    picked = sample(pairs, args.max_pairs, args.seed)
    groups = batches(picked, args.batch_size)
    print(f"corpus: {', '.join(map(str, corpora))}: {len(chunks)} chunks, "
          f"{len({c.source for c in chunks})} pages")
    print(f"pairs: {len(pairs)} ({', '.join(f'{k} {n}' for k, n in kinds.items())}); "
          f"training on {sum(map(len, groups))} in {len(groups)} batches x {args.epochs} epoch(s)"
          f" (read in {time.perf_counter() - started:.0f} s)", flush=True)
    if args.dry_run:
        return 0
    stats = train(groups, args.out, base=str(bundled_model_path()), epochs=args.epochs,
                  lr=args.lr, seed=args.seed, max_seq=args.max_seq, threads=args.threads)
    size = folder_mb(args.out)
    record = {**stats, "pairs": sum(map(len, groups)), "pairs_built": len(pairs),
              "size_mb": round(size, 1), "args": {k: str(v) for k, v in vars(args).items()}}
    (args.out / "adapt.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"trained {stats['steps']} steps in {stats['seconds']:.0f} s (loss "
          f"{stats['loss_first']} -> {stats['loss_last']}); saved {args.out}: {size:.1f} MB")
    if size >= MAX_MB:
        print(f"error: the model is {size:.1f} MB, over the {MAX_MB:.0f} MB limit",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
