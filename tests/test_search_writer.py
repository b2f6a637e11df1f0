"""A full index is written by our segment writer (generator/search/fastpath/, `SegmentWriter`), with more
memory for sorting postings: the index must hold exactly what Whoosh's own writer writes (every term, every
posting's document, weight and positions, every field length, every stored field), compared here with Whoosh's
writer forced to spill its postings to temporary files."""

from __future__ import annotations

import random
from pathlib import Path

from whoosh import index, writing

from generator.search import SearchDocument, write_index
from generator.search import index as search_index

WORDS = "gantt chart budget lines import export schedule baseline forecast invoice approval the of to 2024".split()


def _documents(count: int, seed: int) -> list[SearchDocument]:
    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    return [
        SearchDocument(
            id=f"KB-{number:04d}",
            title=words(rng.randint(1, 5)).capitalize(),
            summary=words(rng.randint(0, 9)),
            headings=words(rng.randint(0, 4)),
            body=". ".join(words(rng.randint(3, 12)) for _ in range(rng.randint(1, 25))),
            tags=",".join(rng.sample(WORDS, 2)),
            module=rng.choice(["budgets", "reports", ""]),
            type=rng.choice(["howto", "faq"]),
            url=f"kb/page-{number}/",
        )
        for number in range(count)
    ]


def _contents(index_dir: Path) -> dict:
    with index.open_dir(str(index_dir)).searcher() as searcher:
        reader = searcher.reader()
        schema = searcher.schema
        postings = {}
        for fieldname in schema.names():
            if not schema[fieldname].indexed:
                continue
            for btext in reader.lexicon(fieldname):
                matcher = reader.postings(fieldname, btext)
                info = reader.term_info(fieldname, btext)
                statistics = (info.doc_frequency(), info.weight(), info.min_length(), info.max_length())
                kind = "positions" if schema[fieldname].format.supports("positions") else "weight"
                postings[fieldname, btext] = (statistics, info.max_weight(), list(matcher.items_as(kind)))
        lengths = {
            (docnum, name): reader.doc_field_length(docnum, name)
            for docnum in range(reader.doc_count_all())
            for name in schema.scorable_names()
        }
        return {"postings": postings, "lengths": lengths, "stored": list(reader.all_stored_fields())}


def test_full_index_holds_what_whoosh_writer_writes(tmp_path, monkeypatch):
    docs = _documents(400, 3)
    ours = tmp_path / "ours"
    write_index(docs, ours, full=True)
    with monkeypatch.context() as patched:
        patched.setattr(search_index, "SegmentWriter", writing.SegmentWriter)
        patched.setattr(search_index, "WRITER_MEMORY_MB", 0.05)  # spills postings to temporary files
        theirs = tmp_path / "theirs"
        write_index(docs, theirs, full=True)
    mine, whoosh = _contents(ours), _contents(theirs)
    assert mine["postings"] and mine["lengths"]
    assert mine == whoosh
