"""Markup for paper: what the site shows by interaction, the handout prints in full (a markdown extension
of the handouts' converter only, pdf.markdown_extensions).

- Content tabs: every tab is printed, each under its own label (on the site a reader clicks the labels;
  on paper only the first tab's content would show, with labels that name nothing).
- Code annotations: Material's `# (1)!` markers open a tooltip on the site; on paper the marker reads
  `(1)` and the annotations stay the numbered list after the block.
- Quiz answers: a collapsible block titled "Answer" or "Answers" (`??? note "Answers"`) is folded on the
  site; printed open under its questions it gives the answers away. On paper it becomes a reference to the answer
  key, and the answers themselves are marked (`<div class="kb-answer" id="kb-answer-N">`) for the book to
  move into its answer key at the end (pdf.split_answers)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

PRINT_MARKUP = __name__  # the extension's name in a markdown_extensions list
# An annotation marker as Pygments writes it in a comment: `(1)!` in a `<span class="c...">`.
_MARKER = re.compile(r'(<span class="c[^"]*">[^<]*?)\((\d+)\)!')


def _has_class(element: etree.Element, name: str) -> bool:
    return name in (element.get("class") or "").split()


class _PrintTabs(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for tabs in root.iter("div"):
            if not _has_class(tabs, "tabbed-set"):
                continue
            labels = next((c for c in tabs if c.tag == "div" and _has_class(c, "tabbed-labels")), None)
            content = next((c for c in tabs if c.tag == "div" and _has_class(c, "tabbed-content")), None)
            if labels is None or content is None:
                continue
            printed = []
            for label, block in zip(list(labels), list(content), strict=False):
                title = etree.Element("p", {"class": "tabbed-title"})
                title.text, title.tail = label.text, None
                title.extend(list(label))
                printed += [title, block]
            for child in list(tabs):
                tabs.remove(child)
            tabs.extend(printed)
            tabs.set("class", "tabbed-set tabbed-print")


ANSWER_CLASS = "kb-answer"
_ANSWER_TITLE = re.compile(r"answers?\b", re.IGNORECASE)


def _title(block: etree.Element) -> etree.Element | None:
    """A collapsible's summary."""
    first = block[0] if len(block) else None
    return first if first is not None and first.tag == "summary" else None


class _AnswerKey(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        count = 0
        for parent in list(root.iter()):
            for block in list(parent):
                title = _title(block) if block.tag == "details" else None
                if title is None or not _ANSWER_TITLE.match("".join(title.itertext()).strip()):
                    continue
                count += 1
                answer = etree.Element("div", {"class": ANSWER_CLASS, "id": f"{ANSWER_CLASS}-{count}"})
                answer.extend(child for child in list(block) if child is not title)
                reference = etree.Element("p", {"class": "answer-ref"})
                link = etree.SubElement(reference, "a", {"href": f"#{ANSWER_CLASS}-{count}"})
                link.text = "Answers: in the answer key"
                index = list(parent).index(block)
                parent.remove(block)
                reference.tail, answer.tail = None, block.tail
                parent.insert(index, reference)
                parent.insert(index + 1, answer)


class _PrintMarkers(Postprocessor):
    def run(self, text: str) -> str:
        return _MARKER.sub(r"\1(\2)", text) if ")!" in text else text


class PrintMarkupExtension(Extension):
    """`generator.print_markup` in markdown_extensions: tabs with their labels, plain annotation markers,
    answers marked for the answer key."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        # Priority 1: after the inline patterns have filled in the labels' text.
        md.treeprocessors.register(_PrintTabs(md), "kb_print_tabs", 1)
        md.treeprocessors.register(_AnswerKey(md), "kb_answer_key", 0.5)
        # After the code blocks are back in the page (raw HTML at 30), before the sanitiser (0).
        md.postprocessors.register(_PrintMarkers(md), "kb_print_markers", 5)


def makeExtension(**kwargs) -> PrintMarkupExtension:  # noqa: N802 (the name Python-Markdown looks up)
    return PrintMarkupExtension(**kwargs)
