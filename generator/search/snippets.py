"""Snippets: the best passages of a hit's body, matches in <mark>, everything else escaped."""

from __future__ import annotations

import html

from whoosh import highlight

from .fastpath import Highlighter, highlight_words

__all__ = ["highlight_words", "make_highlighter", "snippet_text"]


class _Snippet(highlight.Formatter):
    """Matches in <mark>, everything else escaped: snippets are shown as HTML."""

    def format_token(self, text, token, replace=False):
        return f"<mark>{html.escape(highlight.get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment, replace=False):
        output, index_ = [], fragment.startchar
        for token in fragment.matches:
            if token.startchar > index_:
                output.append(html.escape(fragment.text[index_ : token.startchar]))
            output.append(self.format_token(fragment.text, token, replace))
            index_ = token.endchar
        output.append(html.escape(fragment.text[index_ : fragment.endchar]))
        return "".join(output)


def make_highlighter() -> Highlighter:
    """The highlighter of a results page: up to 200 characters around the matches, 40 either side of each."""
    return Highlighter(fragmenter=highlight.ContextFragmenter(maxchars=200, surround=40), formatter=_Snippet())


SNIPPET_SCAN_CHARS = 1_200  # of a long body: the passage its two fragments of up to 200 characters come from


def snippet_text(body: str, words: frozenset[str]) -> str:
    """The part of `body` a snippet is chosen from: a short body whole; of a long one, SNIPPET_SCAN_CHARS
    from just before the first place a query word starts (a stem is the start of each of its words), so
    that highlighting re-reads a passage rather than a whole manual chapter for its two fragments."""
    if len(body) <= SNIPPET_SCAN_CHARS:
        return body
    lower = body.lower()
    found = [at for at in map(lower.find, words) if at >= 0]
    start = max(0, min(found, default=0) - 100)
    if start:
        start = body.find(" ", start) + 1  # from a word's start, not halfway into one
    end = start + SNIPPET_SCAN_CHARS
    if end < len(body):
        end = body.rfind(" ", start, end) if " " in body[start:end] else end
    return body[start:end]
