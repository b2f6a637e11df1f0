"""Nobody sees what is not theirs: internal history stays internal, the console needs a signed-in agent of
the right level, every POST needs the form's CSRF token, every response carries the security headers, and
the public endpoints are rate-limited."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest

from .portal_helpers import CUSTOMER_EMAIL, GENEROUS_LIMITS, PASSWORD, Visitor, case_fields, find_form

SECRETS = ("SECRET-NOTE-7f3a", "SECRET-CALL-91c2", "SECRET-REASON-5d0e")
ACTIONS = ("reply", "note", "wait", "escalate", "resolve", "reopen", "contact", "assign", "resume")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, what: str) -> None:
    csp = csp_directives(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, f"{what}: no script-src (or default-src) in {response.headers.get('Content-Security-Policy')!r}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, f"{what}: {scripts}"
    assert csp.get("frame-ancestors"), f"{what}: no frame-ancestors"
    assert "*" not in csp["frame-ancestors"], what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), what


def test_internal_history_never_reaches_the_customer(site_app, store, outbox):
    customer, agent = Visitor(site_app.test_client()), Visitor(site_app.test_client())
    number, path = customer.log_case(subject="Quarterly budget locked")
    agent.sign_in("ann")
    assert agent.act(number, "note", {"text": f"Known bug, see {SECRETS[0]}"}).status_code == 303
    contact = {"channel": "phone", "direction": "in", "text": f"Customer called: {SECRETS[1]}"}
    assert agent.act(number, "contact", contact).status_code == 303
    assert agent.act(number, "reply", {"text": "We are looking into it."}).status_code == 303
    assert agent.act(number, "escalate", {"text": f"Needs an engineer: {SECRETS[2]}"}).status_code == 303
    assert store.case(number).level == 2
    internal = [e.body for e in store.events(number) if e.visibility == "internal"]
    assert all(any(secret in body for body in internal) for secret in SECRETS)  # they were recorded

    page = customer.get(path).text
    assert "We are looking into it." in page
    for secret in SECRETS:
        assert secret not in page
    # The JSON the customer can reach is search over the help centre: no case, no history in it.
    for query in ("Quarterly budget locked", "Known bug", "Customer called", "Needs an engineer", number):
        for api in ("/api/search", "/api/suggest"):
            answer = customer.get(f"{api}?{urlencode({'q': query})}").get_json()
            hits = str(answer["hits"])  # help articles may match the words; a case never does
            assert number not in hits and "Quarterly" not in hits, (api, query)
            assert not any(secret in hits for secret in SECRETS), (api, query)

    delivered = [m for m in outbox() if m["To"] == CUSTOMER_EMAIL]
    assert len(delivered) == len(store.mail(CUSTOMER_EMAIL)) == 3  # acknowledgement, reply, escalation
    for mail in delivered:
        text = "\n".join([mail["Subject"], *(part.get_content() for part in mail.iter_parts())])  # plain and HTML
        assert not any(secret in text for secret in SECRETS), mail["Subject"]


@pytest.mark.parametrize("path", ["/agent/", "/agent/?resolved=1", "/agent/cases/CASE-000001"])
def test_agent_pages_send_a_stranger_to_sign_in(visitor, path):
    visitor.log_case()

    response = visitor.get(path)

    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == "/agent/sign-in" and target.netloc in ("", "localhost")
    assert parse_qs(target.query)["next"] == [urlsplit(path).path]
    assert "Gantt chart" not in response.text


def test_agent_actions_from_a_stranger_are_403_and_change_nothing(visitor, store):
    number, _ = visitor.log_case()
    token = find_form(visitor.get("/agent/sign-in").text).fields["csrf_token"]  # a valid token, no agent
    before = (store.case(number), len(store.events(number)), len(store.mail()))

    for action in ACTIONS:
        data = {"csrf_token": token, "text": "hello", "channel": "phone", "direction": "in", "assignee": "1"}
        response = visitor.post(f"/agent/cases/{number}/{action}", data)
        assert response.status_code == 403, action

    assert (store.case(number), len(store.events(number)), len(store.mail())) == before


def test_a_level1_agent_cannot_open_or_act_on_a_level2_case(visitor, new_visitor, store):
    low, high = visitor.log_case(subject="Stays at level one")[0], visitor.log_case(subject="Goes to level two")[0]
    bob = new_visitor()
    bob.sign_in("bob")
    assert bob.act(high, "escalate", {"text": "Engineering"}).status_code == 303
    assert store.case(high).level == 2
    ann = new_visitor()
    ann.sign_in("ann")
    token = find_form(ann.get(f"/agent/cases/{low}").text, f"/agent/cases/{low}/note").fields["csrf_token"]
    before = (store.case(high), len(store.events(high)))

    assert ann.get(f"/agent/cases/{high}").status_code == 403
    for action in ACTIONS:
        data = {"csrf_token": token, "text": "Let me try", "channel": "phone", "direction": "in", "assignee": "0"}
        assert ann.post(f"/agent/cases/{high}/{action}", data).status_code == 403, action
    queue = ann.get("/agent/").text
    assert low in queue and high not in queue and "Goes to level two" not in queue
    assert (store.case(high), len(store.events(high))) == before
    assert bob.get(f"/agent/cases/{high}").status_code == 200


@pytest.mark.parametrize("token", ["missing", "forged", "another session's"])
def test_a_post_without_its_own_csrf_token_is_400_and_changes_nothing(new_visitor, store, token):
    customer, agent, other, stranger = new_visitor(), new_visitor(), new_visitor(), new_visitor()
    number, path = customer.log_case()
    agent.sign_in("ann")
    foreign = find_form(stranger.get("/cases/new").text, "/cases/new").fields["csrf_token"]

    def tamper(fields: dict[str, str]) -> dict[str, str]:
        fields = dict(fields)
        if token == "missing":
            del fields["csrf_token"]
        elif token == "forged":
            fields["csrf_token"] = fields["csrf_token"][:-4] + "AAAA"
        else:
            fields["csrf_token"] = foreign
        return fields

    new_case = find_form(customer.get("/cases/new").text, "/cases/new").fields | case_fields(subject="Another one")
    reply = find_form(customer.get(path).text, f"{path}/reply").fields | {"text": "More detail"}
    note = find_form(agent.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/note").fields
    sign_in = find_form(other.get("/agent/sign-in").text).fields | {"username": "ann", "password": PASSWORD}
    before = (store.count_cases(), len(store.events(number)), len(store.mail()))

    posts = {
        "new case": customer.post("/cases/new", tamper(new_case)),
        "customer reply": customer.post(f"{path}/reply", tamper(reply)),
        "agent note": agent.post(f"/agent/cases/{number}/note", tamper(note | {"text": "A note"})),
        "sign-in": other.post("/agent/sign-in", tamper(sign_in)),
    }

    for what, response in posts.items():
        assert response.status_code == 400, what
        assert "nothing was saved" in response.text, what
    assert (store.count_cases(), len(store.events(number)), len(store.mail())) == before
    assert other.get("/agent/").status_code == 302  # not signed in


def test_every_kind_of_response_carries_the_security_headers(site_app, built_site):
    browser = Visitor(site_app.test_client())
    number, path = browser.log_case()
    article = next(p for p in sorted(built_site[0].glob("kb/*/*/index.html")))
    article_url = "/" + article.parent.relative_to(built_site[0]).as_posix() + "/"
    form = find_form(browser.get("/cases/new").text, "/cases/new")
    responses = {
        "portal page": browser.get("/cases/new"),
        "private case page": browser.get(path),
        "help centre home": browser.get("/"),
        "help article": browser.get(article_url),
        "help asset": browser.get("/sitemap.xml"),
        "portal asset": browser.get("/_portal/static/portal.js"),
        "help centre 404": browser.get("/no/such/page/"),
        "portal 404": browser.get("/cases/CASE-999999/0000"),
        "413": browser.post("/cases/new", form.fields | case_fields(description="x" * (2 * 1024 * 1024))),
        "400 (CSRF)": browser.post("/cases/new", case_fields()),
        "400 (form)": browser.post("/cases/new", form.fields | case_fields(subject="")),
        "redirect": browser.get("/agent/"),
        "JSON API": browser.get("/api/search?q=gantt"),
        "JSON API 404": browser.get("/api/nothing-here"),
        "405": browser.client.put("/cases/new"),
    }
    assert responses["help article"].status_code == 200 and "<script" in responses["help article"].text
    assert responses["JSON API"].get_json()["total"] >= 1
    expected = {"help centre 404": 404, "portal 404": 404, "413": 413, "400 (CSRF)": 400, "400 (form)": 400}
    for what, response in responses.items():
        assert response.status_code == expected.get(what, response.status_code), what
        assert_security_headers(response, what)


def test_the_session_cookie_is_httponly_and_samesite(visitor):
    cookies = {
        "visitor": visitor.get("/cases/new").headers.getlist("Set-Cookie"),
        "signed-in agent": visitor.submit("/agent/sign-in", {"username": "ann", "password": PASSWORD}).headers.getlist(
            "Set-Cookie"
        ),
    }
    for who, headers in cookies.items():
        (session,) = [h for h in headers if h.startswith("kb_session=")]
        attributes = {part.strip().split("=")[0].lower(): part.strip() for part in session.split(";")[1:]}
        assert "httponly" in attributes, who
        assert attributes.get("samesite", "").lower() in ("samesite=lax", "samesite=strict"), who


def test_the_private_case_page_is_neither_referred_nor_cached(visitor):
    number, path = visitor.log_case()

    page = visitor.get(path)

    assert page.status_code == 200
    # Never sent to another site; same-origin rather than no-referrer, so that the page's reply form carries
    # its real Origin (no-referrer makes it "null", which the Origin check refuses).
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        " //evil.example/",
    ],
    ids=repr,
)
def test_sign_in_never_sends_the_agent_off_site(visitor, target):
    response = visitor.submit(
        f"/agent/sign-in?{urlencode({'next': target})}", {"username": "ann", "password": PASSWORD}
    )

    assert response.status_code == 303
    landing = as_a_browser_follows(response.headers["Location"])
    assert (landing.scheme, landing.netloc) == ("http", "localhost"), response.headers["Location"]
    assert response.headers["Location"] == "/agent/"


def as_a_browser_follows(location: str, base: str = "http://localhost/agent/sign-in"):
    """Where a browser goes for this Location: it drops tabs and line breaks, trims spaces and control
    characters, and reads a backslash as a slash (WHATWG URL parsing of http URLs)."""
    cleaned = "".join(ch for ch in location if ch not in "\t\r\n").strip("".join(map(chr, range(33))))
    cleaned = cleaned.replace("\\", "/")
    scheme = urlsplit(cleaned).scheme
    if scheme in ("http", "https") and not cleaned[len(scheme) + 1 :].startswith("/"):
        cleaned = f"{scheme}://{cleaned[len(scheme) + 1 :]}"  # "https:evil.example" is https://evil.example/
    return urlsplit(urljoin(base, cleaned))


def test_sign_in_returns_the_agent_to_the_page_they_asked_for(visitor):
    number, _ = visitor.log_case()
    asked = visitor.get(f"/agent/cases/{number}")

    response = visitor.submit(asked.headers["Location"], {"username": "ann", "password": PASSWORD})

    assert response.headers["Location"] == f"/agent/cases/{number}"


def test_new_cases_are_rate_limited_per_address(make_app, store):
    app = make_app(rate_limits=GENEROUS_LIMITS | {"submit": "3 per minute"})
    browser = Visitor(app.test_client())

    for i in range(3):
        assert browser.submit("/cases/new", case_fields(subject=f"Case {i}")).status_code == 303
    refused = browser.submit("/cases/new", case_fields(subject="One too many"))

    assert refused.status_code == 429
    assert "Slow down" in refused.text
    assert_security_headers(refused, "429")
    assert store.count_cases() == 3
    assert browser.get("/cases/new").status_code == 200  # reading the form is not sending one


@pytest.mark.parametrize(
    ("username", "password"), [("ann", "wrong password!"), ("nobody", PASSWORD), ("ivy", PASSWORD)]
)
def test_a_wrong_name_or_password_or_a_former_agent_does_not_sign_in(visitor, username, password):
    response = visitor.submit("/agent/sign-in", {"username": username, "password": password})

    assert response.status_code == 401
    assert "That name and password do not match an active agent." in response.text
    assert visitor.get("/agent/").status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://localhost.evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Origin": "https://evil.example", "Referer": "http://localhost/cases/new"},
    ],
    ids=repr,
)
def test_a_post_with_a_valid_token_from_another_site_is_refused_and_saves_nothing(visitor, store, headers):
    agent = Visitor(visitor.client.application.test_client())
    agent.sign_in("ann")
    number, _ = visitor.log_case()
    before = (store.count_cases(), len(store.events(number)))
    form = visitor.form("/cases/new", "/cases/new")
    note = find_form(agent.get(f"/agent/cases/{number}").text, f"/agent/cases/{number}/note").fields

    posts = {
        "new case": visitor.post("/cases/new", form.fields | case_fields(), headers=headers),
        "agent note": agent.post(f"/agent/cases/{number}/note", note | {"text": "From elsewhere"}, headers=headers),
    }

    for what, response in posts.items():
        assert response.status_code == 400, what
        assert "Please try again" in response.text and "nothing was saved" in response.text, what
    assert (store.count_cases(), len(store.events(number))) == before


@pytest.mark.parametrize(
    ("public_url", "headers"),
    [
        (None, {"Origin": "http://localhost"}),
        (None, {"Referer": "http://localhost/cases/new"}),
        (None, {}),  # neither: not a browser that could carry someone's cookies; the token still decides
        ("https://support.example.com", {"Origin": "https://support.example.com"}),
        ("https://support.example.com", {"Origin": "http://localhost"}),  # where the request was sent
    ],
    ids=repr,
)
def test_a_post_from_the_portals_own_pages_goes_through(make_app, store, public_url, headers):
    browser = Visitor(make_app(public_url=public_url).test_client())
    form = browser.form("/cases/new", "/cases/new")

    response = browser.post("/cases/new", form.fields | case_fields(), headers=headers)

    assert response.status_code == 303, response.text
    assert store.count_cases() == 1


def test_an_expired_form_is_refused_with_please_try_again_and_saves_nothing(make_app, store, monkeypatch):
    import itsdangerous.timed

    browser = Visitor(make_app(form_expiry_hours=1).test_client())
    real = itsdangerous.timed.TimestampSigner.get_timestamp

    def later(minutes: int) -> None:
        # Flask-WTF dates its tokens through itsdangerous: move that clock, as the hour passes for the customer.
        monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda s: real(s) + minutes * 60)

    fresh = browser.form("/cases/new", "/cases/new").fields
    stale = browser.form("/cases/new", "/cases/new").fields
    later(59)
    assert browser.post("/cases/new", fresh | case_fields(subject="In time")).status_code == 303
    later(61)
    expired = browser.post("/cases/new", stale | case_fields(subject="Too late"))

    assert expired.status_code == 400
    assert "Please try again" in expired.text and "nothing was saved" in expired.text
    assert [case.subject for case in store.cases()] == ["In time"]


@pytest.mark.parametrize(
    ("public_url", "include_subdomains", "expected"),
    [
        (None, False, None),
        ("http://support.example.com", False, None),
        ("https://support.example.com", False, "max-age=31536000"),
        ("https://support.example.com", True, "max-age=31536000; includeSubDomains"),
    ],
)
def test_hsts_is_sent_on_every_response_only_with_an_https_public_url(
    make_app, public_url, include_subdomains, expected
):
    browser = Visitor(make_app(public_url=public_url, hsts_include_subdomains=include_subdomains).test_client())
    responses = {
        "page": browser.get("/cases/new"),
        "404": browser.get("/cases/CASE-999999/0000"),
        "JSON": browser.get("/api/ping"),
        "400 (CSRF)": browser.post("/cases/new", case_fields()),
        "redirect": browser.get("/agent/"),
    }

    for what, response in responses.items():
        assert response.headers.get("Strict-Transport-Security") == expected, what


@pytest.mark.parametrize("days", ["999999999", "-1", "36501", "abc", "1e9", "9" * 5000])
def test_a_report_period_out_of_bounds_is_a_400_that_says_what_is_expected(visitor, days):
    visitor.sign_in("ann")

    response = visitor.get(f"/agent/report?days={days}")

    assert response.status_code == 400
    assert "days=" in response.text and "expected a whole number from 0 to 36500" in response.text
    assert_security_headers(response, "400")
    assert visitor.get("/agent/report?days=36500").status_code == 200
    assert visitor.get("/agent/report?days=7").status_code == 200


@pytest.mark.parametrize("path", ["/search?q=gantt&page=", "/api/search?q=gantt&page="])
@pytest.mark.parametrize("page", ["0", "1001", "99999999999", "x"])
def test_a_search_page_number_out_of_bounds_answers_with_a_page_in_range(site_app, path, page):
    """Customers' search pages clamp (to 1..100) rather than refuse: a stale or edited link still shows results."""
    response = site_app.test_client().get(path + page)

    assert response.status_code == 200
    if path.startswith("/api/"):
        assert 1 <= response.get_json()["page"] <= 100
    assert site_app.test_client().get(path + "2").status_code == 200
