"""Client builds of tests/roots/clients (acme, harbor and northwind: different modules, terms, colours and
logos, each with a private article and a marker; acme with a training chapter of its own), built for real
as sites and PDF handouts, and every output file searched for the other clients' private content.

The three clients are built once per test session with `kb build --all-clients` (shared by the xdist
workers through a lock file); tests that change the sources build one client, one book, themselves."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import gzip
import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, copy_root
from pdf_texts import outline, pdf_text
from pypdf import PdfReader

from generator.catalog import load_catalog
from generator.leaks import Needle, find_leaks, private_needles
from generator.model import client_target
from generator.render import render_selection
from generator.search import SearchDocument, write_index
from generator.select import select

CLIENTS = ("acme", "harbor", "northwind")
NAMES = {"acme": "Acme Water Authority", "harbor": "Harbor City Transit", "northwind": "Northwind Health"}
COLORS = {"acme": "#0b5394", "harbor": "#00695c", "northwind": "#6a1b9a"}
# What belongs to one client alone: the marker of its private article, that article's ID, its name, its own
# words for product terms (and acme's own training chapter: its marker and ID).
PRIVATE = {
    "acme": ("MARKER-ACME-c0de", "MARKER-ACME-CHAPTER-77aa", "KB-0014", "TRN-050", NAMES["acme"], "capital job"),
    "harbor": ("MARKER-HARBOR-4a7b", "KB-0016", NAMES["harbor"], "program element", "contract variation"),
    "northwind": ("MARKER-NORTHWIND-9e2f", "KB-0019", NAMES["northwind"], "initiative"),
}
MARKERS = {"acme": "MARKER-ACME-c0de", "harbor": "MARKER-HARBOR-4a7b", "northwind": "MARKER-NORTHWIND-9e2f"}
# Pages of a module the client does not license: acme has no documents, harbor no budgets, northwind no
# scheduling.
UNLICENSED = {
    "acme": ("USR-003", "KB-0003"),
    "harbor": ("USR-002", "TRN-002", "KB-0002"),
    "northwind": ("USR-001", "KB-0001"),
}
BOOK_TITLES = {"user": "User Reference Manual", "training": "Training Manual"}


# --- the shared build -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    root: Path
    returncode: int
    output: str
    dates: tuple[dt.date, ...]  # the day before and after the build (a cover shows one of them)

    def out(self, slug: str) -> Path:
        return self.root / "build" / f"client-{slug}"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tests/roots/clients built with `kb build --all-clients` (site and PDFs, all three clients in
    parallel processes, a real `kb` process), once per test run even with several xdist workers."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else None
    shared = shared or tmp_path_factory.mktemp("clients-built")
    with open(shared / "clients-built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds; the others wait, then read its result
        record = shared / "clients-built.json"
        if not record.exists():
            root = copy_root("clients", shared / "clients-project")
            before = dt.date.today()
            run = subprocess.run(
                [sys.executable, "-m", "generator", "--root", str(root), "build", "--all-clients"],
                capture_output=True,
                text=True,
                timeout=600,
            )
            dates = sorted({before.isoformat(), dt.date.today().isoformat()})
            result = {"root": str(root), "rc": run.returncode, "output": run.stdout + run.stderr, "dates": dates}
            record.write_text(json.dumps(result), encoding="utf-8")
        result = json.loads(record.read_text(encoding="utf-8"))
    built = Built(
        Path(result["root"]), result["rc"], result["output"], tuple(map(dt.date.fromisoformat, result["dates"]))
    )
    assert built.returncode == 0, built.output
    return built


@functools.cache
def output_texts(out: Path) -> dict[str, str]:
    """Every output file of a client build as text, by path relative to build/: the site's files (HTML as
    its source and its visible text, JSON, XML, the gzipped sitemap, the engine's search index), the PDFs'
    text, outline and metadata, and the Whoosh index beside the site (stored fields and indexed words)."""
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out.parent).as_posix()
        if path.suffix == ".pdf":
            texts[name] = pdf_text(path, with_outline=True)
        elif path.suffix == ".gz":
            texts[name] = gzip.decompress(path.read_bytes()).decode("utf-8")
        elif path.suffix in (".html", ".xml", ".json", ".js", ".css", ".svg", ".txt", ".h", ".properties"):
            text = path.read_text(encoding="utf-8")
            texts[name] = text + " " + html.unescape(re.sub(r"<[^>]+>", " ", text))
            if path.suffix in (".json", ".js"):
                texts[name] += " " + re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    index_dir = out.with_name(out.name + "-search")
    if index_dir.is_dir():
        texts[index_dir.name] = whoosh_text(index_dir)
    return texts


def whoosh_text(index_dir: Path) -> str:
    from whoosh import index  # the test reads the index itself, not through the code under test

    with index.open_dir(str(index_dir)).searcher() as searcher:
        stored = [" ".join(map(str, fields.values())) for fields in searcher.all_stored_fields()]
        reader = searcher.reader()
        words = [
            term.decode("utf-8") if isinstance(term, bytes) else str(term)
            for field in ("id", "title", "summary", "headings", "body", "tags")
            for term in reader.lexicon(field)
        ]
    return " ".join(stored + words)


def squeeze(text: str) -> str:
    """Case-folded and without whitespace: a PDF line break inside a marker or a name does not hide it."""
    return re.sub(r"\s+", "", text).casefold()


@functools.cache
def squeezed_texts(out: Path) -> dict[str, str]:
    return {name: squeeze(text) for name, text in output_texts(out).items()}


def holders(texts: dict[str, str], needle: str) -> list[str]:
    """The files of `texts` (squeezed_texts) that hold `needle`."""
    wanted = squeeze(needle)
    return [name for name, text in texts.items() if wanted in text]


def page_html(built: Built, slug: str, url: str) -> str:
    return (built.out(slug) / url / "index.html").read_text(encoding="utf-8")


def visible(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def article_text(page: str) -> str:
    """The visible text of a page's article (not its navigation)."""
    return visible(re.search(r"<article\b.*?</article>", page, re.DOTALL).group(0))


# --- the parallel build, and isolation ---------------------------------------------------------------------


def test_all_clients_builds_every_client_in_parallel_with_progress(built):
    assert "Building 3 clients (acme, harbor, northwind) in " in built.output
    assert "3/3 clients done" in built.output
    for slug in CLIENTS:
        assert f"[{slug}] Checking for other clients' private content" in built.output
        assert re.search(rf"^  {slug}: \d+ pages, 2 PDF\(s\) \(\d+\.\d+s\)$", built.output, re.MULTILINE)
        assert sorted(p.name for p in (built.out(slug) / "pdf").iterdir()) == [
            f"{slug}-training.pdf",
            f"{slug}-user.pdf",
        ]
        assert (built.out(slug) / "index.html").is_file()
        assert (built.root / "build" / f"client-{slug}-search").is_dir()
    assert not list((built.root / "build").glob(".*.new-*")), "no scratch folder is left behind"


@pytest.mark.parametrize("slug", CLIENTS)
def test_no_output_file_holds_another_clients_private_content(built, slug):
    texts = squeezed_texts(built.out(slug))
    assert any(name.endswith(".pdf") for name in texts) and f"client-{slug}-search" in texts
    found = [
        f"{name}: {needle}"
        for other in CLIENTS
        if other != slug
        for needle in PRIVATE[other]
        for name in holders(texts, needle)
    ]
    assert found == []


@pytest.mark.parametrize("slug", CLIENTS)
def test_each_client_gets_its_own_private_article_in_site_and_search(built, slug):
    texts = squeezed_texts(built.out(slug))
    holding = holders(texts, MARKERS[slug])
    assert any(name.startswith(f"client-{slug}/kb/") and name.endswith("/index.html") for name in holding)
    assert f"client-{slug}/search/search_index.json" in holding
    assert f"client-{slug}-search" in holding
    assert not any(name.endswith(".pdf") for name in holding), "articles are not in the handouts"
    assert holders(texts, NAMES[slug]), "the client's own name is in its build"


def test_acme_own_chapter_joins_the_training_book_numbered_in_order(built):
    chapter = page_html(built, "acme", "training/acme-sap")
    assert "MARKER-ACME-CHAPTER-77aa: how Acme posts capital job costs to SAP" in article_text(chapter)
    assert "Chapter 3" in visible(chapter)
    nav = visible(page_html(built, "acme", "training"))
    assert re.search(r"1\. Lesson 1: First steps .*2\. Lesson 2: Budgets .*3\. Lesson 5: Acme's SAP workflow", nav)
    pdf = built.out("acme") / "pdf" / "acme-training.pdf"
    assert "MARKER-ACME-CHAPTER-77aa" in pdf_text(pdf)
    assert [title for title, _ in outline(pdf)] == [
        "Contents",
        "Training Manual",
        "1. Lesson 1: First steps",
        "2. Lesson 2: Budgets",
        "3. Lesson 5: Acme's SAP workflow",
    ]
    for other in ("harbor", "northwind"):
        assert not (built.out(other) / "training" / "acme-sap").exists()


@pytest.mark.parametrize("slug", CLIENTS)
def test_pages_of_unlicensed_modules_drop_out_of_every_output(built, slug):
    texts = output_texts(built.out(slug))
    for page_id in UNLICENSED[slug]:
        pattern = re.compile(rf"(?<![\w-]){page_id}(?!\w)")
        assert [name for name, text in texts.items() if pattern.search(text)] == [], page_id
        assert not (built.out(slug) / "a" / page_id).exists()


def test_links_into_dropped_pages_become_plain_text(built):
    # harbor licenses no budgets: the Gantt chapter's link to the budgets chapter and the article's link to
    # a budgets article are their words now, on the site and in the handout.
    gantt = page_html(built, "harbor", "user/gantt")
    assert "Budgets are in Budgets." in article_text(gantt)
    assert not re.search(r'href="[^"]*budgets', gantt)
    article = page_html(built, "harbor", "kb/scheduling/gantt-empty")
    assert "See budget lines." in article_text(article)
    assert not re.search(r'href="[^"]*budget-lines', article)
    assert "Budgets are in Budgets." in pdf_text(built.out("harbor") / "pdf" / "harbor-user.pdf")
    # northwind licenses no scheduling: the user manual's front page no longer links to the Gantt chapter.
    front = page_html(built, "northwind", "user")
    assert "Start with the Gantt chart." in article_text(front)
    assert not re.search(r'href="[^"]*gantt', front)
    # acme keeps both pages: the link is a link.
    assert re.search(r'<a href="\.\./budgets/">Budgets</a>', page_html(built, "acme", "user/gantt"))


@pytest.mark.parametrize(
    ("marker", "holders_expected"),
    [
        ("ONLY-DOCUMENTS-BLOCK", {"northwind"}),  # `/// only | module=documents` in the budgets chapter
        ("LICENSED-BUDGETS-PARAGRAPH", {"acme", "northwind"}),  # {% if client.licenses("budgets") %}
    ],
)
def test_conditions_follow_the_clients_licensed_modules(built, marker, holders_expected):
    for slug in CLIENTS:
        texts = squeezed_texts(built.out(slug))
        site = [name for name in holders(texts, marker) if name.endswith(".html")]
        pdfs = [name for name in holders(texts, marker) if name.endswith(".pdf")]
        assert bool(site) == bool(pdfs) == (slug in holders_expected), (slug, site, pdfs)


@pytest.mark.parametrize(
    ("slug", "sentence"),
    [
        ("acme", "Open your first capital job."),
        ("harbor", "Open your first program element."),
        ("northwind", "Open your first initiative."),
    ],
)
def test_terms_are_the_clients_own_words_on_the_site_and_in_the_handout(built, slug, sentence):
    assert sentence in article_text(page_html(built, slug, "training/first-steps"))
    text = " ".join(pdf_text(built.out(slug) / "pdf" / f"{slug}-training.pdf").split())
    assert sentence in text
    assert f"Exercise 1.1: Open a {sentence.split('first ')[1][:-1]}" in text
    assert "Open your first project." not in text


@pytest.mark.parametrize("slug", CLIENTS)
def test_site_carries_the_clients_name_colours_and_logo(built, slug):
    out = built.out(slug)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(rf"<title>[^<]*{NAMES[slug]} · Sample Help Centre</title>", home)
    assert '<img src="assets/client-logo.svg" alt="logo">' in home
    assert (out / "assets" / "client-logo.svg").read_bytes() == (
        built.root / "clients" / slug / "logo.svg"
    ).read_bytes()
    assert f"--md-primary-fg-color: {COLORS[slug]};" in (out / "assets" / "client-brand.css").read_text()
    assert 'href="assets/client-brand.css"' in home
    assert 'href="../pdf/' + slug + '-training.pdf"' in page_html(built, slug, "training")
    # The client's cases are told apart in the portal by the link every page ends with.
    assert f'href="/cases/new?client={slug}"' in home


# --- the handout -----------------------------------------------------------------------------------------


def test_training_handout_has_cover_contents_numbered_chapters_and_running_headers(built):
    pdf = built.out("acme") / "pdf" / "acme-training.pdf"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]
    marks = outline(pdf)
    assert len(pages) > 2 + len(marks) - 1, "cover, contents, then a page or more per chapter"
    cover = pages[0]
    assert cover.startswith("Acme Water Authority Training Manual Sample Planner 2.4")
    assert any(f"{day.day} {day:%B %Y}" in cover for day in built.dates)
    assert "Trainer: Dana Whitfield dana@example.com" in cover
    # The contents page lists every chapter with the page its bookmark points at.
    contents = PdfReader(pdf).pages[1].extract_text()
    listed = re.findall(r"^(?:(\d+) )?(.+?) \.{3,} (\d+)$", contents, re.MULTILINE)
    assert [(number, title, int(page)) for number, title, page in listed] == [
        ("", "Training Manual", marks[1][1]),
        ("1", "Lesson 1: First steps", marks[2][1]),
        ("2", "Lesson 2: Budgets", marks[3][1]),
        ("3", "Lesson 5: Acme's SAP workflow", marks[4][1]),
    ]
    assert marks[0] == ("Contents", 2)
    assert [page for _, page in marks] == sorted(page for _, page in marks)
    # A chapter's first page: its number and title, the running header (book, chapter), the page number.
    first = pages[marks[2][1] - 1]
    assert first.startswith("CHAPTER 1 Lesson 1: First steps Open your first capital job.")
    assert first.endswith(f"Training Manual 1. Lesson 1: First steps {marks[2][1]}")
    # The exercise, and its ruled space to write on after the question.
    assert "Exercise 1.1: Open a capital job" in first and "Question: what do you see?" in first
    # No running header on the empty left-hand pages before a chapter that starts on the right.
    blank = [text for text in pages[2:] if re.fullmatch(r"\d+", text)]
    assert all("Lesson" not in text for text in blank)


@pytest.mark.parametrize("slug", CLIENTS)
def test_each_handout_has_numbered_chapter_bookmarks_in_order(built, slug):
    expected = {
        "acme": (
            ["1. The Gantt chart", "2. Budgets"],
            ["1. Lesson 1: First steps", "2. Lesson 2: Budgets", "3. Lesson 5: Acme's SAP workflow"],
        ),
        "harbor": (["1. The Gantt chart", "2. Documents"], ["1. Lesson 1: First steps"]),
        "northwind": (["1. Budgets", "2. Documents"], ["1. Lesson 1: First steps", "2. Lesson 2: Budgets"]),
    }[slug]
    for book, chapters in zip(("user", "training"), expected, strict=True):
        pdf = built.out(slug) / "pdf" / f"{slug}-{book}.pdf"
        marks = outline(pdf)
        assert [title for title, _ in marks] == [
            "Contents",
            {"user": "User Manual", "training": "Training Manual"}[book],
            *chapters,
        ]
        assert [page for _, page in marks] == sorted(page for _, page in marks)
        reader = PdfReader(pdf)
        assert reader.metadata.title == f"{BOOK_TITLES[book]} · Sample Planner 2.4"
        assert len(reader.pages) > 2 + len(chapters)


def test_user_handout_prints_tables_code_and_admonitions(built):
    text = " ".join(pdf_text(built.out("acme") / "pdf" / "acme-user.pdf").split())
    assert "Column Meaning Start When the activity starts" in text  # the table
    assert "Budget total = sum of lines" in text  # the code block
    assert "Keyboard Press F9 to reschedule." in text  # the tip, with its ++f9++ key


# --- one client, one book, one format ----------------------------------------------------------------------


def test_book_option_builds_only_that_book(run_kb, tmp_path):
    root = copy_root("clients", tmp_path / "project")
    result = run_kb(root, "build", "--client", "acme", "--book", "training")
    assert result.exit_code == 0, result.output
    out = root / "build" / "client-acme"
    assert (out / "training" / "acme-sap" / "index.html").is_file()
    assert not (out / "user").exists() and not (out / "kb").exists()
    home = visible((out / "index.html").read_text(encoding="utf-8"))
    assert "Search the Sample Planner manuals." in home
    assert "Browse by module" not in home and "Knowledge base" not in home
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["acme-training.pdf"]
    assert "build/client-acme/pdf/acme-training.pdf: 9 pages, 3 chapters" in result.output


def test_format_pdf_makes_only_the_handouts_and_keeps_a_site_built_before(run_kb, tmp_path):
    """A PDF-only build replaces out/pdf/ alone: on its own it holds only the handouts; after a site build,
    the site (and its search index) stays beside the new handouts."""
    root = copy_root("clients", tmp_path / "project")
    result = run_kb(root, "build", "--client", "northwind", "--format", "pdf")
    assert result.exit_code == 0, result.output
    out = root / "build" / "client-northwind"
    assert sorted(p.name for p in out.iterdir()) == [".kb-output", "pdf"]
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["northwind-training.pdf", "northwind-user.pdf"]
    assert not (root / "build" / "client-northwind-search").exists()
    assert "Building the site" not in result.output

    assert run_kb(root, "build", "--client", "northwind", "--format", "site").exit_code == 0
    assert not (out / "pdf").exists()  # a site-only build replaces the folder whole, as any build
    assert run_kb(root, "build", "--client", "northwind", "--format", "pdf").exit_code == 0
    assert (out / "index.html").is_file() and (root / "build" / "client-northwind-search").is_dir()
    assert sorted(p.name for p in (out / "pdf").iterdir()) == ["northwind-training.pdf", "northwind-user.pdf"]


# --- the leak check ------------------------------------------------------------------------------------------


def test_leak_check_fails_the_build_names_the_files_and_keeps_the_previous_output(run_kb, tmp_path):
    root = copy_root("clients", tmp_path / "project")
    assert run_kb(root, "build", "--client", "acme", "--book", "user").exit_code == 0
    out = root / "build" / "client-acme"
    before = {p: p.read_bytes() for p in (out / "user" / "gantt" / "index.html", out / "pdf" / "acme-user.pdf")}
    index_before = whoosh_text(root / "build" / "client-acme-search")
    gantt = root / "docs" / "user" / "01-gantt.md"
    gantt.write_text(gantt.read_text() + "\nAsk Harbor City Transit about KB-0016.\n", encoding="utf-8")

    result = run_kb(root, "build", "--client", "acme", "--book", "user")

    assert result.exit_code == 1
    assert "Error: the build for client 'acme' holds another client's private content; nothing was published" in (
        result.output
    )
    for line in (
        "  user/gantt/index.html: harbor's name 'Harbor City Transit'",
        "  user/gantt/index.html: harbor's private page KB-0016",
        "  pdf/acme-user.pdf: harbor's name 'Harbor City Transit'",
        "  search/search_index.json: harbor's private page KB-0016",
    ):
        assert line + "\n" in result.output
    assert {p: p.read_bytes() for p in before} == before, "the previous output stays in place"
    assert whoosh_text(root / "build" / "client-acme-search") == index_before
    assert not list((root / "build").glob(".*.new-*")), "no scratch folder is left behind"


@pytest.mark.parametrize("slug", CLIENTS)
def test_leak_check_names_every_other_client_planted_in_a_shared_page(run_kb, tmp_path, slug):
    others = [other for other in CLIENTS if other != slug]
    planted = " ".join(f"Ask {NAMES[other]}." for other in others)
    files = {"docs/training/index.md": "---\nid: TRN-000\ntitle: Training Manual\n---\n\n" + planted + "\n"}
    root = copy_root("clients", tmp_path / "project", files)
    result = run_kb(root, "build", "--client", slug, "--book", "training", "--format", "site")
    assert result.exit_code == 1
    for other in others:
        assert f"  training/index.html: {other}'s name '{NAMES[other]}'\n" in result.output
    assert not (root / "build" / f"client-{slug}").exists()


def test_leak_check_catches_another_clients_name_in_a_term(run_kb, tmp_path):
    profile = (copy_root("clients", tmp_path / "source") / "clients" / "acme.yml").read_text()
    files = {"clients/acme.yml": profile.replace("{project: capital job}", '{project: "Harbor City Transit job"}')}
    root = copy_root("clients", tmp_path / "project", files)
    result = run_kb(root, "build", "--client", "acme", "--book", "training", "--format", "site")
    assert result.exit_code == 1
    assert "  training/first-steps/index.html: harbor's name 'Harbor City Transit'\n" in result.output


def test_leak_check_catches_a_private_sentence_in_a_picture(run_kb, tmp_path):
    """Pages may repeat a sentence of a private page (it is then public text), but a picture is not a page:
    a screenshot or diagram holding harbor's private text leaks it."""
    sentence = "this procedure is written for Harbor alone and explains their own integration steps in detail."
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text y="20">{sentence}</text></svg>'
    gantt = (REPO / "tests" / "roots" / "clients" / "docs" / "user" / "01-gantt.md").read_text()
    files = {"docs/user/images/plan.svg": svg, "docs/user/01-gantt.md": gantt + "\n![Plan](images/plan.svg)\n"}
    root = copy_root("clients", tmp_path / "project", files)
    result = run_kb(root, "build", "--client", "acme", "--book", "user", "--format", "site")
    assert result.exit_code == 1
    assert "  user/images/plan.svg: text of harbor's private page KB-0016: 'this procedure is written" in result.output


def test_leak_check_matches_whole_ids_and_names(tmp_path):
    needles = [Needle("kb-0014", "acme's private page KB-0014", strict=True), Needle("acme", "acme's name")]
    (tmp_path / "ok.html").write_text("<p>See KB-00140 at acmeville.</p>")
    (tmp_path / "leak.html").write_text("<p>See <a href='/a/KB-0014/'>it</a>, ACME.</p>")
    assert sorted((leak.path, leak.what) for leak in find_leaks(needles, [tmp_path], tmp_path)) == [
        ("leak.html", "acme's name"),
        ("leak.html", "acme's private page KB-0014"),
    ]


def test_leak_check_reads_json_with_both_escapes_and_utf8(tmp_path):
    (tmp_path / "index.json").write_text('{"a": "Zürich Wasser", "b": "caf\\u00e9"}', encoding="utf-8")
    needles = [Needle("zürich wasser", "their name"), Needle("café", "their term")]
    assert sorted(leak.what for leak in find_leaks(needles, [tmp_path], tmp_path)) == ["their name", "their term"]


def test_leak_check_searches_the_whoosh_index(tmp_path):
    root = copy_root("clients", tmp_path / "project")
    catalog = load_catalog(root)
    selection = select(catalog, client_target(catalog.clients["acme"]))
    rendered, problems = render_selection(catalog, selection)
    assert not problems
    leaked = SearchDocument("KB-0999", "Notes", "", "", "Call Harbor City Transit.", "", "scheduling", "howto", "x/")
    write_index([leaked], tmp_path / "index")
    leaks = find_leaks(private_needles(catalog, selection, rendered), [tmp_path / "index"], tmp_path)
    assert [(leak.path, leak.what) for leak in leaks] == [("index", "harbor's name 'Harbor City Transit'")]
