"""portal.yml: every setting reaches the portal, every mistake is named at its line, and the two that matter
behind a proxy (public_url, proxies) do what they say."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from generator.portal.config import AttachmentSettings, MailSettings, WorkingHours, load_portal_config
from generator.portal.sessions import SessionPolicy

from .portal_helpers import GENEROUS_LIMITS, Visitor, case_fields

PORTAL_YML = """\
timezone: Europe/London
working_hours: {start: "08:30", end: "17:30", days: [mon, tue, wed, thu]}
holidays: [2026-12-25, 2026-12-28]
update_every_hours: 12
level1_hours: 8
mail: {from: "Support <support@example.com>", smtp_host: smtp.example.com, smtp_port: 587, starttls: true}
rate_limits: {submit: "10 per hour", public: "100 per minute", sign_in: "5 per minute"}
frame_ancestors: ["https://app.example.com"]
public_url: https://support.example.com/
proxies: 1
"""


def test_every_portal_yml_setting_reaches_the_portal(make_project):
    root = make_project("basic")
    (root / "portal.yml").write_text(PORTAL_YML, encoding="utf-8")

    config = load_portal_config(root, "sqlite://")

    assert config.timezone == "Europe/London"
    assert config.working_hours == WorkingHours(dt.time(8, 30), dt.time(17, 30), ("mon", "tue", "wed", "thu"))
    assert config.holidays == (dt.date(2026, 12, 25), dt.date(2026, 12, 28))
    assert (config.update_every_hours, config.level1_hours) == (12, 8)
    assert config.mail == MailSettings("Support <support@example.com>", "smtp.example.com", 587, True, None, None)
    assert config.rate_limits == {
        "submit": "10 per hour",
        "public": "100 per minute",
        "sign_in": "5 per minute",
        "sign_in_link": "10 per hour;3 per minute",  # not in the file: the defaults
        "sign_in_address": "5 per hour",
    }
    assert config.frame_ancestors == ("https://app.example.com",)
    # Links in mail go to where customers are, and an https address makes the cookies Secure.
    assert (config.public_url, config.base_url, config.secure_cookies) == (
        "https://support.example.com",
        "https://support.example.com",
        True,
    )
    assert config.proxies == 1


def test_without_portal_yml_the_portal_trusts_no_proxy_and_sends_no_secure_cookies(make_project):
    config = load_portal_config(make_project("basic"), "sqlite://")

    assert (config.public_url, config.proxies, config.secure_cookies) == (None, 0, False)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "public_url: https://support.example.com/",
            "public_url: support.example.com",
            "portal.yml:9: 'public_url': expected an address such as https://support.example.com, "
            "got 'support.example.com'",
        ),
        (
            "public_url: https://support.example.com/",
            "public_url: https://example.com/help/",
            "portal.yml:9: 'public_url': expected an address such as https://support.example.com",
        ),
        ("proxies: 1", "proxies: -1", "portal.yml:10: 'proxies': expected a whole number, 0 or more, got -1"),
        ("proxies: 1", "proxies: two", "portal.yml:10: 'proxies': expected a whole number, 0 or more, got 'two'"),
        ("timezone: Europe/London", "timezone: Mars/Olympus", "portal.yml:1: 'timezone': expected a time zone"),
    ],
)
def test_portal_yml_mistakes_are_named_at_their_line(run_kb, make_project, old, new, problem):
    root = make_project("basic")
    assert old in PORTAL_YML
    (root / "portal.yml").write_text(PORTAL_YML.replace(old, new), encoding="utf-8")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert problem in result.output, result.output
    assert "Traceback" not in result.output


def from_address(app, address: str) -> Visitor:
    """A customer whose requests reach the portal through a proxy that says where they came from."""
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return Visitor(client)


@pytest.mark.parametrize(("proxies", "bob_answered"), [(1, 303), (0, 429)])
def test_rate_limits_count_each_customer_behind_a_trusted_proxy_and_nobody_picks_their_own_address(
    make_app, store, proxies, bob_answered
):
    app = make_app(rate_limits=GENEROUS_LIMITS | {"submit": "2 per minute"}, proxies=proxies)
    ann, bob = from_address(app, "203.0.113.5"), from_address(app, "198.51.100.7")

    for i in range(2):
        assert ann.submit("/cases/new", case_fields(subject=f"Ann's case {i}")).status_code == 303
    assert ann.submit("/cases/new", case_fields(subject="One too many")).status_code == 429

    # Trusted (proxies: 1), the header is Bob's address: his own limit. Not trusted (proxies: 0), anybody
    # could send it, so it is ignored: every request is the one peer's, and Ann has used its limit up.
    assert bob.submit("/cases/new", case_fields(subject="Bob's case")).status_code == bob_answered
    assert store.count_cases() == (3 if proxies else 2)


def test_the_hourly_acknowledgements_per_address_come_from_portal_yml(make_project):
    root = make_project("basic")
    (root / "portal.yml").write_text("mail: {smtp_host: smtp.example.com, acknowledgements_per_hour: 3}\n")

    assert load_portal_config(root, "sqlite://").mail.acknowledgements_per_hour == 3
    (root / "portal.yml").unlink()
    assert load_portal_config(root, "sqlite://").mail.acknowledgements_per_hour == 5  # the default


@pytest.mark.parametrize("value", ["0", "-2", "many", "true"])
def test_a_bad_hourly_acknowledgements_limit_is_named_at_its_line(run_kb, make_project, value):
    root = make_project("basic")
    (root / "portal.yml").write_text(f"timezone: UTC\nmail:\n  acknowledgements_per_hour: {value}\n")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert "portal.yml:3: 'acknowledgements_per_hour': expected a whole number above 0" in result.output, result.output


HARDENING_YML = """\
rate_limit_storage: redis://127.0.0.1:6379/2
session_idle_hours: 4
session_lifetime_days: 2
form_expiry_hours: 3
hsts_include_subdomains: true
busy_timeout_seconds: 5
"""


def test_the_session_form_hsts_busy_and_rate_limit_storage_settings_reach_the_portal(make_project):
    root = make_project("basic")
    defaults = load_portal_config(root, "sqlite://")
    (root / "portal.yml").write_text(HARDENING_YML, encoding="utf-8")

    config = load_portal_config(root, "sqlite://")

    assert config.rate_limit_storage == "redis://127.0.0.1:6379/2"
    assert config.session_policy == SessionPolicy(dt.timedelta(hours=4), dt.timedelta(days=2))
    assert (config.form_expiry_hours, config.hsts_include_subdomains, config.busy_timeout_seconds) == (3, True, 5)
    assert defaults.rate_limit_storage == "memory://"
    assert defaults.session_policy == SessionPolicy(dt.timedelta(hours=8), dt.timedelta(days=7))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "rate_limit_storage: redis://127.0.0.1:6379/2",
            "rate_limit_storage: memcached://127.0.0.1:11211",
            "portal.yml:1: 'rate_limit_storage': expected memory:// or a Redis URL such as redis://127.0.0.1:6379/0",
        ),
        (
            "rate_limit_storage: redis://127.0.0.1:6379/2",
            "rate_limit_storage: 127.0.0.1:6379",
            "portal.yml:1: 'rate_limit_storage': expected memory:// or a Redis URL",
        ),
        ("session_idle_hours: 4", "session_idle_hours: 0", "portal.yml:2: 'session_idle_hours': expected a whole"),
        ("form_expiry_hours: 3", "form_expiry_hours: soon", "portal.yml:4: 'form_expiry_hours': expected a whole"),
    ],
)
def test_session_and_rate_limit_storage_mistakes_are_named_at_their_line(run_kb, make_project, old, new, problem):
    root = make_project("basic")
    (root / "portal.yml").write_text(HARDENING_YML.replace(old, new), encoding="utf-8")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert problem in result.output, result.output


ATTACHMENTS_YML = """\
timezone: UTC
attachments:
  folder: shared/attachments
  max_file_mb: 25
  max_files: 4
"""


def test_the_attachment_settings_reach_the_portal_with_the_folder_under_the_project(make_project):
    root = make_project("basic")
    defaults = load_portal_config(root, "sqlite://")
    (root / "portal.yml").write_text(ATTACHMENTS_YML, encoding="utf-8")

    config = load_portal_config(root, "sqlite://")

    assert config.attachments == AttachmentSettings(root / "shared/attachments", 25, 4)
    assert config.attachments_dir == root / "shared/attachments"
    assert defaults.attachments == AttachmentSettings(None, 10, 10)
    assert defaults.attachments_dir == root / "instance" / "attachments"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("max_file_mb: 25", "max_file_mb: 0", "portal.yml:4: 'max_file_mb': expected a whole number above 0"),
        ("max_file_mb: 25", "max_file_mb: big", "portal.yml:4: 'max_file_mb': expected a whole number above 0"),
        ("max_files: 4", "max_files: -1", "portal.yml:5: 'max_files': expected a whole number above 0"),
        ("folder: shared/attachments", "folder: [a, b]", "portal.yml:3: 'folder': expected"),
        ("max_files: 4", "max_file: 4", "portal.yml:5: unknown key 'max_file'; expected one of folder, max_file_mb"),
    ],
)
def test_attachment_setting_mistakes_are_named_at_their_line(run_kb, make_project, old, new, problem):
    root = make_project("basic")
    (root / "portal.yml").write_text(ATTACHMENTS_YML.replace(old, new), encoding="utf-8")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert problem in result.output, result.output


MAIL_IN_YML = """\
mail:
  from_name: Sample Support
  from_address: support@sample.example
  reply_address: help@sample.example
  reopen_days: 7
  max_message_bytes: 1000000
  poll_seconds: 30
  messages_per_poll: 20
  imap:
    host: imap.sample.example
    tls: starttls
    user: support
    password_env: KB_IMAP_PASSWORD
    folder: INBOX
    done_folder: Done
"""


def test_the_mail_in_settings_reach_the_portal(make_project):
    root = make_project("basic")
    defaults = load_portal_config(root, "sqlite://")
    (root / "portal.yml").write_text(MAIL_IN_YML, encoding="utf-8")

    mail = load_portal_config(root, "sqlite://").mail

    assert mail.from_header == "Sample Support <support@sample.example>"
    assert mail.support_address == "help@sample.example"
    assert (mail.reopen_days, mail.max_message_bytes, mail.poll_seconds, mail.messages_per_poll) == (7, 10**6, 30, 20)
    assert (mail.imap.host, mail.imap.port_or_default, mail.imap.tls, mail.imap.done_folder) == (
        "imap.sample.example",
        143,
        "starttls",
        "Done",
    )
    assert mail.imap.rejected_folder == "Rejected"
    assert (defaults.mail.imap, defaults.mail.reopen_days, defaults.mail.max_message_bytes) == (None, 14, 25 * 2**20)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "  from_name: Sample Support",
            "  from_name: '=?utf-8?q?x?='",
            "portal.yml:2: 'from_name': expected a plain name",
        ),
        ("from_address: support@sample.example", "from_address: support", "portal.yml:3: 'from_address': expected an"),
        ("reopen_days: 7", "reopen_days: 0", "portal.yml:5: 'reopen_days': expected a whole number above 0"),
        ("max_message_bytes: 1000000", "max_message_bytes: big", "portal.yml:6: 'max_message_bytes': expected a whole"),
        ("    tls: starttls", "    tls: yes please", "portal.yml:11: 'tls': expected one of ssl, starttls, none"),
        ("    host: imap.sample.example\n", "", "portal.yml:9: missing required key 'host'"),
        (
            "password_env: KB_IMAP_PASSWORD",
            "password_env: hunter 2",
            "portal.yml:13: 'password_env': expected the name",
        ),
        ("    folder: INBOX", "    port: 99999", "portal.yml:14: 'port': expected a port number from 1 to 65535"),
        ("    folder: INBOX", "    fodler: INBOX", "portal.yml:14: unknown key 'fodler'"),
    ],
)
def test_mail_in_mistakes_are_named_at_their_line(run_kb, make_project, old, new, problem):
    root = make_project("basic")
    (root / "portal.yml").write_text(MAIL_IN_YML.replace(old, new), encoding="utf-8")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert problem in result.output, result.output


def test_the_configured_limits_size_the_upload_requests_and_the_refusal(make_project, make_app):
    app = make_app(attachments=AttachmentSettings(max_file_mb=3, max_files=1))
    visitor = Visitor(app.test_client())
    form = visitor.form("/cases/new")
    fields = form.fields | case_fields()

    fits = visitor.post("/cases/new", fields | {"files": [(io.BytesIO(b"x" * (2 * 1024 * 1024)), "a.bin")]})
    too_big = visitor.post("/cases/new", fields | {"files": [(io.BytesIO(b"x" * (5 * 1024 * 1024)), "b.bin")]})

    assert fits.status_code == 303, fits.text
    assert too_big.status_code == 413 and "(4 MB)" in too_big.text


def test_an_imap_setting_that_is_not_a_mapping_is_named_at_its_line(run_kb, make_project):
    root = make_project("basic")
    (root / "portal.yml").write_text("mail:\n  imap: imap.sample.example\n", encoding="utf-8")

    result = run_kb(root, "cases", "list", "--database-url", "sqlite://")

    assert result.exit_code == 1
    assert "portal.yml:2: 'imap': expected a mapping" in result.output, result.output
