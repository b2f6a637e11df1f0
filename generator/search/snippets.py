"""Snippets: the best passages of a hit's body, matches in <mark>, everything else escaped."""

from __future__ import annotations

import html

from whoosh import highlight

from .fastpath import Highlighter


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
