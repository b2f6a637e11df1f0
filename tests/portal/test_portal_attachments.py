"""Attachments: files on the case form, in customers' and agents' replies and notes, within portal.yml's
limits; shown and downloadable only to those who may see their event; served as data, never as pages;
deleted only by an admin, on the record; files no row claims cleaned up by the sweep."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from generator.errors import KbError
from generator.portal.accounts import add_agent
from generator.portal.attachments import AttachmentRejected, IncomingFile, save_files
from generator.portal.attachments.policy import safe_name
from generator.portal.attachments.storage import path_of, write_file
from generator.portal.config import AttachmentSettings
from generator.portal.db import attachments, events, writing
from generator.portal.desk import NewCase

from .portal_helpers import PASSWORD, Visitor, case_fields, find_form, parse_page

MB = 1024 * 1024


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
XML = b'<?xml version="1.0"?><feed><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></feed>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """One file as the test client sends it in a multipart form."""
    return (io.BytesIO(data), name, content_type)


def stored(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def files_of(store, number: str) -> list:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(attachments, events.c.kind, events.c.visibility)
            .join(events, events.c.id == attachments.c.event_id)
            .where(attachments.c.case_id == store.case(number).id)
            .order_by(attachments.c.id)
        ).all()


def log_case_with(visitor: Visitor, *files, **changes: str):
    return visitor.submit("/cases/new", case_fields(**changes) | {"files": list(files)})


def case_with_files(visitor: Visitor, *files) -> tuple[str, str]:
    response = log_case_with(visitor, *files)
    assert response.status_code == 303, response.text
    path = response.headers["Location"].split("?")[0]
    return path.split("/")[2], path


def link_of(page: str, name: str) -> str:
    """The download link shown for the file `name` in a history."""
    found = re.search(r'<a href="([^"]+/files/\d+)"[^>]*>' + re.escape(name) + "</a>", page)
    assert found, f"no link to {name!r} in the page"
    return found.group(1)


# -- the web form ---------------------------------------------------------------------------------------


def test_a_customer_attaches_several_files_on_the_case_form_and_sees_them_in_the_history(visitor, store, portal_config):
    number, path = case_with_files(
        visitor, upload("screen.png", png(), "image/png"), upload("import.log", b"ERROR no data date\n", "text/plain")
    )

    files = files_of(store, number)
    assert [(f.name, f.content_type, f.size, f.kind) for f in files] == [
        ("screen.png", "image/png", len(png()), "created"),
        ("import.log", "text/plain", 19, "created"),
    ]
    # Stored under random names in the folder, never under the names the sender chose.
    on_disk = stored(portal_config.attachments_dir)
    assert sorted(p.name for p in on_disk) == sorted(f.storage_name for f in files)
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in on_disk)
    page = visitor.get(path).text
    assert "screen.png" in page and "import.log" in page and "image/png" in page and "19 Bytes" in page
    assert visitor.get(link_of(page, "screen.png")).data == png()


def test_a_refused_file_keeps_everything_else_the_customer_typed_and_says_why(make_app, store, portal_config):
    visitor = Visitor(make_app(attachments=AttachmentSettings(max_file_mb=1, max_files=3)).test_client())

    response = log_case_with(
        visitor,
        upload("small.txt", b"fine"),
        upload("huge.log", b"x" * (MB + MB // 2)),
        subject="Import hangs",
        company="Acme Ltd",
    )

    assert response.status_code == 400
    page = parse_page(response.text)
    assert "huge.log is 1.5 MB; each file can be at most 1 MB" in " ".join(page.errors["files"])
    kept = find_form(response.text, "/cases/new").fields
    assert (kept["subject"], kept["company"], kept["customer_email"]) == ("Import hangs", "Acme Ltd", "zoe@example.com")
    assert kept["description"] == case_fields()["description"]
    assert store.count_cases() == 0 and stored(portal_config.attachments_dir) == []


def test_more_files_than_the_limit_are_refused_with_the_limit(make_app, store):
    visitor = Visitor(make_app(attachments=AttachmentSettings(max_file_mb=1, max_files=2)).test_client())

    response = log_case_with(visitor, *(upload(f"{n}.txt", b"x") for n in range(3)))

    assert response.status_code == 400
    assert "3 files attached; at most 2 can go with one message" in " ".join(parse_page(response.text).errors["files"])
    assert store.count_cases() == 0


def test_files_up_to_the_limits_fit_though_they_pass_the_usual_one_megabyte(make_app, store):
    visitor = Visitor(make_app(attachments=AttachmentSettings(max_file_mb=1, max_files=2)).test_client())

    response = log_case_with(visitor, upload("a.bin", b"a" * (MB - 10)), upload("b.bin", b"b" * (MB - 10)))

    assert response.status_code == 303, response.text
    assert store.count(attachments) == 2


def test_a_request_over_the_upload_limit_gets_the_413_page_naming_the_real_limit(make_app, store):
    visitor = Visitor(make_app(attachments=AttachmentSettings(max_file_mb=2, max_files=2)).test_client())

    response = log_case_with(visitor, upload("a.bin", b"a" * (6 * MB)))

    assert response.status_code == 413
    assert "(5 MB)" in response.text and "at most 2 files of up to 2 MB each" in response.text
    assert store.count_cases() == 0


def test_text_without_files_keeps_the_one_megabyte_limit(visitor, store):
    form = visitor.form("/cases/new")

    response = visitor.post("/cases/new", form.fields | case_fields(description="x" * (2 * MB)))

    assert response.status_code == 413 and "(1 MB)" in response.text
    assert store.count_cases() == 0


# -- names ----------------------------------------------------------------------------------------------


HOSTILE_NAMES = {
    "../../etc/passwd": "passwd",
    "C:\\x\\y": "y",
    "..\\..\\windows\\system32\\drivers\\etc\\hosts": "hosts",
    "report\x00.exe.txt": "report.exe.txt",
    "bell\x07\r\nSet-Cookie: x=1.txt": "bellSet-Cookie_ x=1.txt",
    "invoice\u202efdp.exe": "invoicefdp.exe",
    "zero\u200bwidth.txt": "zerowidth.txt",
    '"quoted" <name>.txt': "_quoted_ _name_.txt",
    "": "attachment",
    "...": "attachment",
    "/": "attachment",
    ".bashrc": "bashrc",
    "CON.txt": "_CON.txt",
    "nul": "_nul",
    "a" * 300 + ".txt": "a" * 146 + ".txt",
    "é" * 400: "é" * 150,
}


@pytest.mark.parametrize(("given", "expected"), HOSTILE_NAMES.items(), ids=range(len(HOSTILE_NAMES)))
def test_a_hostile_file_name_is_made_safe_for_the_header_and_the_file_system(given, expected):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", list(HOSTILE_NAMES), ids=range(len(HOSTILE_NAMES)))
def test_a_path_in_a_file_name_does_nothing_and_the_download_header_carries_the_safe_name(
    given, desk, app, portal_config, store
):
    submitted = desk.submit(
        NewCase("Subject", "Text", "Zoe", "zoe@example.com", "minor"),
        "k" * 32,
        [IncomingFile(given, "text/x", b"data")],
    )
    (file,) = files_of(store, submitted.number)

    response = app.test_client().get(f"/cases/{submitted.number}/{submitted.token}/files/{file.id}")

    assert response.status_code == 200 and response.data == b"data"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith("filename*=UTF-8''" + _quoted(HOSTILE_NAMES[given]))
    assert not re.search(r"[\x00-\x1f\x7f\u202e]", disposition)
    (on_disk,) = stored(portal_config.attachments_dir)
    assert on_disk.parent.parent == portal_config.attachments_dir and on_disk.name == file.storage_name


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# -- how each type is served ------------------------------------------------------------------------------


SERVED = [
    ("shot.png", png(), "image/png", "inline"),
    ("photo.jpg", JPEG, "image/jpeg", "inline"),
    ("anim.gif", GIF, "image/gif", "inline"),
    ("pic.webp", WEBP, "image/webp", "inline"),
    ("logo.svg", SVG, "text/plain", "attachment"),
    ("page.html", HTML, "text/plain", "attachment"),
    ("feed.xml", XML, "text/plain", "attachment"),
    ("manual.pdf", PDF, "application/pdf", "attachment"),
    ("looks-like.png", HTML, "text/plain", "attachment"),  # named and declared a PNG; the bytes are HTML
    ("data.bin", b"\x00\x01\x02\xff", "application/octet-stream", "attachment"),
]


@pytest.mark.parametrize(("name", "data", "sniffed", "disposition"), SERVED, ids=[s[0] for s in SERVED])
def test_each_type_is_served_as_data_and_only_raster_images_inline(visitor, name, data, sniffed, disposition):
    number, path = case_with_files(visitor, upload(name, data, "image/png"))

    response = visitor.get(link_of(visitor.get(path).text, name))

    assert response.status_code == 200 and response.data == data
    assert response.mimetype == sniffed
    assert response.headers["Content-Disposition"].startswith(f"{disposition}; ")
    assert f"filename*=UTF-8''{name}" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'; sandbox")
    assert "no-store" in response.headers["Cache-Control"]


# -- who may see what -------------------------------------------------------------------------------------


def test_a_file_downloads_only_with_its_cases_private_link_or_an_agent_session(new_visitor, store):
    customer = new_visitor()
    number, path = case_with_files(customer, upload("mine.txt", b"mine"))
    other_number, other_path = case_with_files(new_visitor(), upload("theirs.txt", b"theirs"))
    mine = link_of(customer.get(path).text, "mine.txt")
    file_id = mine.rsplit("/", 1)[1]
    theirs_id = files_of(store, other_number)[0].id
    stranger = new_visitor()

    assert customer.get(mine).data == b"mine"
    refused = {
        "wrong token": stranger.get(f"/cases/{number}/{'0' * 40}/files/{file_id}"),
        "another case's file": stranger.get(f"{path}/files/{theirs_id}"),
        "another case's link": stranger.get(f"{other_path}/files/{file_id}"),
        "missing file": stranger.get(f"{path}/files/999999"),
        "an id past every integer type": stranger.get(f"{path}/files/{'9' * 40}"),
        "number only": stranger.get(f"/cases/{number}/files/{file_id}"),
    }
    assert {what: r.status_code for what, r in refused.items()} == dict.fromkeys(refused, 404)
    assert len({r.text for r in refused.values()}) == 1  # the same page, whatever the reason
    # Agents: the console's address, signed in.
    assert stranger.get(f"/agent/cases/{number}/files/{file_id}").status_code == 302  # to the sign-in page
    agent = new_visitor()
    agent.sign_in("ann")
    assert agent.get(f"/agent/cases/{number}/files/{file_id}").data == b"mine"
    assert agent.get(f"/agent/cases/{number}/files/{theirs_id}").status_code == 404
    assert agent.get(f"/agent/cases/{number}/files/{'9' * 40}").status_code == 404


def test_an_agent_below_the_cases_level_cannot_download_its_files(new_visitor, store):
    number, _ = case_with_files(new_visitor(), upload("down.txt", b"outage"))
    file_id = files_of(store, number)[0].id
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases SET level = 3"))
    ann, dan = new_visitor(), new_visitor()
    ann.sign_in("ann")  # Level 1
    dan.sign_in("dan")  # Level 3

    assert ann.get(f"/agent/cases/{number}/files/{file_id}").status_code == 404
    assert dan.get(f"/agent/cases/{number}/files/{file_id}").data == b"outage"


def test_agents_attach_files_to_replies_and_notes_and_the_customer_sees_only_the_replys(new_visitor, store):
    customer = new_visitor()
    number, path = case_with_files(customer)
    agent = new_visitor()
    agent.sign_in("bob")

    reply = agent.act(number, "reply", {"text": "Try this fixed file.", "files": [upload("fixed.xer", b"fixed")]})
    note = agent.act(number, "note", {"text": "Raw dump, internal.", "files": [upload("dump.txt", b"secret dump")]})

    assert (reply.status_code, note.status_code) == (303, 303)
    assert [(f.name, f.kind, f.visibility) for f in files_of(store, number)] == [
        ("fixed.xer", "reply", "customer"),
        ("dump.txt", "note", "internal"),
    ]
    page = customer.get(path).text
    assert "fixed.xer" in page and "dump.txt" not in page
    assert customer.get(link_of(page, "fixed.xer")).data == b"fixed"
    note_id = files_of(store, number)[1].id
    assert customer.get(f"{path}/files/{note_id}").status_code == 404  # the internal note's file
    console = agent.get(f"/agent/cases/{number}").text
    assert agent.get(link_of(console, "dump.txt")).data == b"secret dump"


def test_files_with_other_agent_actions_are_refused_and_nothing_is_saved(new_visitor, store):
    number, _ = case_with_files(new_visitor())
    agent = new_visitor()
    agent.sign_in("bob")

    response = agent.act(number, "resolve", {"text": "Done.", "files": [upload("x.txt", b"x")]})

    assert response.status_code == 303
    assert "Files go with a reply or an internal note" in agent.get(f"/agent/cases/{number}").text
    assert store.case(number).status != "resolved" and store.count(attachments) == 0


def test_a_customer_attaches_files_to_a_reply_on_the_private_page(visitor, store):
    number, path = case_with_files(visitor)

    response = visitor.submit(
        path,
        {"text": "Here is the log.", "files": [upload("run.log", b"log"), upload("s.png", png())]},
        path + "/reply",
    )

    assert response.status_code == 303, response.text
    assert [(f.name, f.kind) for f in files_of(store, number)] == [
        ("run.log", "customer_reply"),
        ("s.png", "customer_reply"),
    ]
    assert "run.log" in visitor.get(path).text


def test_a_refused_reply_file_keeps_the_customers_text(make_app, store):
    visitor = Visitor(make_app(attachments=AttachmentSettings(max_file_mb=1, max_files=1)).test_client())
    number, path = case_with_files(visitor)

    response = visitor.submit(
        path, {"text": "My long message.", "files": [upload("a.txt", b"a"), upload("b.txt", b"b")]}, path + "/reply"
    )

    assert response.status_code == 400
    assert find_form(response.text, path + "/reply").fields["text"] == "My long message."
    assert "at most 1 can go with one message" in response.text
    assert store.events(number, "customer_reply") == []


# -- the interface mail uses -------------------------------------------------------------------------------


def test_save_files_over_the_limits_raises_with_a_message_and_stores_nothing(desk, store, portal_config):
    submitted = desk.submit(NewCase("S", "T", "Zoe", "zoe@example.com", "minor"), "k" * 32)
    event_id = store.events(submitted.number)[0].id
    config = portal_config.with_(attachments=AttachmentSettings(max_file_mb=1, max_files=2))

    with pytest.raises(AttachmentRejected, match="big.bin is 2.0 MB; each file can be at most 1 MB"):
        with writing(desk.engine) as conn:
            save_files(
                conn, config, store.case(submitted.number).id, event_id, [IncomingFile("big.bin", "", b"x" * 2 * MB)]
            )
    with pytest.raises(AttachmentRejected, match="3 files attached; at most 2"):
        with writing(desk.engine) as conn:
            save_files(conn, config, store.case(submitted.number).id, event_id, [IncomingFile("a", "", b"")] * 3)

    assert store.count(attachments) == 0 and stored(portal_config.attachments_dir) == []


# -- deleting ---------------------------------------------------------------------------------------------


def test_an_admin_deletes_a_cases_files_on_the_record_and_they_leave_storage(new_visitor, store, portal_config):
    add_agent(store.engine, "root", "Ro Admin", "root@example.com", 1, True, PASSWORD)
    customer = new_visitor()
    number, path = case_with_files(customer, upload("keep.txt", b"keep"), upload("leak.txt", b"password=hunter2"))
    leak, keep = files_of(store, number)[1], files_of(store, number)[0]
    admin = new_visitor()
    admin.sign_in("root")

    response = admin.submit(f"/agent/cases/{number}", {"file": str(leak.id)}, f"/agent/cases/{number}/files/delete")

    assert response.status_code == 303
    assert [f.name for f in files_of(store, number)] == ["keep.txt"]
    assert [p.name for p in stored(portal_config.attachments_dir)] == [keep.storage_name]
    (deleted,) = store.events(number, "attachments_deleted")
    assert (deleted.actor, deleted.visibility) == ("root", "internal")
    assert "leak.txt (16 bytes, text/plain)" in deleted.body and "keep.txt" not in deleted.body
    assert customer.get(f"{path}/files/{leak.id}").status_code == 404
    assert "leak.txt" not in customer.get(path).text


def test_an_agent_who_is_not_admin_cannot_delete_files(new_visitor, store, portal_config):
    number, _ = case_with_files(new_visitor(), upload("a.txt", b"a"))
    agent = new_visitor()
    agent.sign_in("dan")  # Level 3, not an admin
    page = agent.get(f"/agent/cases/{number}").text
    assert "files/delete" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    response = agent.post(f"/agent/cases/{number}/files/delete", {"csrf_token": token, "file": "1"})

    assert response.status_code == 403
    assert store.count(attachments) == 1 and len(stored(portal_config.attachments_dir)) == 1
    assert store.events(number, "attachments_deleted") == []


def test_deleting_without_a_csrf_token_is_refused(new_visitor, store):
    add_agent(store.engine, "root", "Ro Admin", "root@example.com", 1, True, PASSWORD)
    number, _ = case_with_files(new_visitor(), upload("a.txt", b"a"))
    admin = new_visitor()
    admin.sign_in("root")

    response = admin.post(f"/agent/cases/{number}/files/delete", {"file": "1"})

    assert response.status_code == 400 and store.count(attachments) == 1


# -- orphans ----------------------------------------------------------------------------------------------


def _age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_sweep_removes_files_whose_transaction_failed_once_they_are_an_hour_old(desk, store, portal_config):
    submitted = desk.submit(
        NewCase("S", "T", "Zoe", "zoe@example.com", "minor"), "k" * 32, [IncomingFile("kept.txt", "", b"kept")]
    )
    case = store.case(submitted.number)
    with pytest.raises(RuntimeError):
        with writing(desk.engine) as conn:
            save_files(
                conn, portal_config, case.id, store.events(submitted.number)[0].id, [IncomingFile("o", "", b"o")]
            )
            raise RuntimeError("the transaction fails after the file was written")
    folder = portal_config.attachments_dir
    (kept,) = [p for p in stored(folder) if p.name == files_of(store, submitted.number)[0].storage_name]
    (orphan,) = [p for p in stored(folder) if p != kept]
    young = path_of(folder, write_file(folder, b"written a moment ago"))
    partial = kept.parent / ".partial-0123456789abcdef0123456789abcdef"
    partial.write_bytes(b"half")
    for path in (kept, orphan, partial):
        _age(path, 2)

    desk.sweep()

    assert sorted(stored(folder)) == sorted([kept, young])
    assert store.count(attachments) == 1


def test_the_portal_refuses_an_attachments_folder_inside_the_help_centre_it_serves(make_app, tmp_path):
    site = tmp_path / "site"
    site.mkdir()

    with pytest.raises(KbError, match="inside the help centre's folder"):
        make_app(site_dir=site, attachments=AttachmentSettings(folder=site / "files"))


def test_names_from_the_web_form_are_made_safe_too(visitor, store):
    number, path = case_with_files(
        visitor,
        upload("../../etc/passwd", b"a"),
        upload("C:\\Users\\zoe\\report.txt", b"b"),
        upload("invoice\u202efdp.exe", b"c"),
    )

    passwd, windows, invoice = (f.name for f in files_of(store, number))
    assert (passwd, invoice) == ("passwd", "invoicefdp.exe")
    # Werkzeug reads a backslash in a multipart filename as an escape; either way no separator is left.
    assert windows.endswith("report.txt") and not {"/", "\\", ":"} & set(windows)
    assert "\u202e" not in visitor.get(path).text
