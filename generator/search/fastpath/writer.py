"""A full index written as Whoosh's SegmentWriter writes it, without its per-posting cost."""

from __future__ import annotations

from whoosh import formats, writing

from .postings import Unsupported


class _Lengths:
    """A per-document reader's doc_field_length, from lists read once per field."""

    def __init__(self, reader):
        self._reader, self._lists = reader, {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self._lists.get(fieldname)
        if lengths is None:
            length = self._reader.doc_field_length
            lengths = [length(number, fieldname, default) for number in range(self._reader.doc_count_all())]
            self._lists[fieldname] = lengths
        return lengths[docnum]


def _indexed(field, value):
    """field.index(value): (term bytes, frequency, weight, encoded positions) of each word. For a text field
    with positions whose analyzer gathers them itself (analysis.IndexingAnalyzer.positions), from those,
    as Positions.word_values makes them (weight: a boost of 1.0 per occurrence, times the field boost);
    else through the field."""
    positions = getattr(field.analyzer, "positions", None)
    if type(field.format) is not formats.Positions or positions is None or not isinstance(value, str):
        return field.index(value)
    found = positions(value)
    if found is None:
        return field.index(value)
    boost, encode = field.format.field_boost, field.format.encode
    return [(word.encode("utf-8"), len(at), float(len(at)) * boost, encode(at)) for word, at in found.items()]


def _pool_postings(pool, fieldname: str, postings: list) -> None:
    """PostingPool.add of each posting, at once: the same estimate of their size in memory, summed, and
    the same spill to a temporary file past the pool's limit (before these postings rather than amid them:
    the runs are merged in order either way)."""
    if not postings:
        return
    pool.fieldnames.add(fieldname)
    # PostingPool.add's estimate of a posting: tuple, field name, text, number, weight, encoded value.
    size = (28 + 20 + 21 + len(fieldname) + 26 + 18 + 16 + 21) * len(postings)
    size += sum(len(item[1]) * 2 + len(item[4] or "") for item in postings)
    if pool.currentsize + size > pool.limit and pool.current:
        pool.save()
    pool.currentsize += size
    pool.current.extend(postings)


class SegmentWriter(writing.SegmentWriter):
    """whoosh.writing.SegmentWriter whose add_document indexes text fields through `_indexed` and whose
    _flush_segment reads the field lengths as `_Lengths` (verbatim otherwise)."""

    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = list(_indexed(field, value))
                    postings = [
                        (fieldname, tbytes, docnum, weight * fieldboost, vbytes) for tbytes, _, weight, vbytes in items
                    ]
                    if field.scorable:
                        length = sum(item[1] for item in items)
                    _pool_postings(pool, fieldname, postings)
                if field.separate_spelling() or field.vector:
                    raise Unsupported("spelling or vector fields")  # not in the index's schema
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()
