"""Feedback on articles ("Was this helpful?", sent with the CSRF header), and the knowledge loop's events kept
out of the customers' history."""

from __future__ import annotations

from generator.portal.db import events, feedback
from generator.portal.report import build_report

from .knowledge_helpers import draft_input, fresh, rows


def test_feedback_is_recorded_with_the_csrf_header_and_refused_without_it(app, client, store, engine):
    token = client.get("/api/csrf")
    assert token.headers["Cache-Control"] == "no-store"
    headers = {"X-CSRFToken": token.get_json()["token"]}
    others = app.test_client().get("/api/csrf").get_json()["token"]

    def send(body: dict, headers: dict | None = None):
        return client.post("/api/feedback", json=body, headers=headers or {})

    yes = send({"article": "KB-0001", "helpful": True}, headers)
    no = send({"article": "kb-0001", "helpful": False, "comment": "  Step 3 is wrong.  "}, headers)
    refused = {
        "no header": send({"article": "KB-0001", "helpful": True}),
        "forged token": send({"article": "KB-0001", "helpful": True}, {"X-CSRFToken": headers["X-CSRFToken"][:-4]}),
        "another browser's token": send({"article": "KB-0001", "helpful": True}, {"X-CSRFToken": others}),
        "not an article": send({"article": "<script>", "helpful": True}, headers),
        "no article": send({"helpful": True}, headers),
    }

    assert (yes.status_code, yes.get_json()) == (200, {"ok": True})
    assert (no.status_code, no.get_json()) == (200, {"ok": True})
    for what, response in refused.items():
        assert response.status_code == 400, what
    assert [(r.article_id, r.helpful, r.comment) for r in rows(store, feedback.select().order_by(feedback.c.id))] == [
        ("KB-0001", True, None),
        ("KB-0001", False, "Step 3 is wrong."),
    ]
    assert build_report(engine, ["KB-0001"]).feedback == {"KB-0001": (1, 1)}


def test_the_knowledge_loop_events_stay_out_of_the_customers_history(visitor, new_visitor, desk, knowledge, staff):
    number, path = visitor.log_case()
    case = fresh(desk, number)
    knowledge.link(staff["ann"], case, "KB-0001", "Gantt chart shows no bars after import")
    knowledge.flag(staff["ann"], case, "KB-0001", "wrong", "INTERNAL-FLAG-TEXT")
    knowledge.save_draft(staff["ann"], case, draft_input(title="INTERNAL-DRAFT-TITLE"))

    page = visitor.get(path).text

    assert "INTERNAL-FLAG-TEXT" not in page and "INTERNAL-DRAFT-TITLE" not in page
    assert "/a/KB-0001/" in page  # the link is for the customer
    with desk.engine.connect() as conn:
        kinds = {row.kind: row.visibility for row in conn.execute(events.select())}
    assert {kinds[k] for k in ("article_linked", "article_flagged", "draft_saved")} == {"internal"}
