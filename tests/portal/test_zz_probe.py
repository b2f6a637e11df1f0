import json


def test_probe(app, database_url):
    c = app.test_client()
    token = c.get("/api/csrf").get_json()["token"]
    for comment in ("fine", "bad\x00nul"):
        r = c.post("/api/feedback", data=json.dumps({"article": "KB-0001", "helpful": True, "comment": comment}),
                   headers={"X-CSRFToken": token, "Content-Type": "application/json"})
        print("RESULT", database_url[:6], repr(comment), r.status_code, r.get_data(as_text=True)[:80])
