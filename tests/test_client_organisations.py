"""Clients as organisations in their profiles (clients/<slug>.yml): mail domains, admins and a support
contract (dates, plan, hours), validated at file:line like the rest of the profile, and loaded into the
ClientProfile the portal decides a case's client and clocks by."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import copy_root

from generator.catalog import load_catalog
from generator.model import SupportContract, SupportHours

PROFILE = """\
name: Acme Water Authority
logo: clients/acme/logo.svg
colors: {primary: "#0b5394", accent: "#f1a208"}
modules: [scheduling, budgets]
terms: {project: capital job}
contact: {name: Dana Whitfield, email: dana@example.com, role: Trainer}
domains: [Acme.example, acme-water.example]
admins: [Boss@acme.example, auditor@outside.example]
support:
  plan: Gold
  start: 2026-01-01
  end: 2027-12-31
  hours: {first_response: 4, updates: 12, resolution: 8}
"""


def test_a_profile_holds_its_people_and_contract(tmp_path):
    root = copy_root("clients", tmp_path / "project", {"clients/acme.yml": PROFILE})
    catalog = load_catalog(root)
    assert not [p for p in catalog.problems if p.path == "clients/acme.yml" and p.is_error]
    acme = catalog.clients["acme"]
    assert acme.domains == ("acme.example", "acme-water.example")  # lower case: addresses ignore case
    assert acme.admins == ("boss@acme.example", "auditor@outside.example")
    assert acme.support == SupportContract(dt.date(2026, 1, 1), dt.date(2027, 12, 31), "Gold", SupportHours(4, 12, 8))
    assert acme.has_person("Someone@ACME.example") and acme.has_person("auditor@outside.example")
    assert not acme.has_person("someone@outside.example") and not acme.has_person("x@notacme.example")
    assert acme.is_admin("BOSS@acme.example") and not acme.is_admin("someone@acme.example")
    assert acme.support.in_force(dt.date(2027, 12, 31)) and not acme.support.in_force(dt.date(2028, 1, 1))


def test_a_profile_without_the_new_keys_is_a_client_without_people_or_contract(tmp_path):
    root = copy_root("clients", tmp_path / "project")
    northwind = load_catalog(root).clients["northwind"]
    assert northwind.support is None and northwind.admins == ()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("[Acme.example, acme-water.example]", "[acme.example, '@acme']", "clients/acme.yml:7: 'domains': item 2:"),
        ("[Acme.example, acme-water.example]", "[https://acme.example]", "clients/acme.yml:7: 'domains': item 1:"),
        ("auditor@outside.example", "auditor-at-outside", "clients/acme.yml:8: 'admins': item 2: expected a mail"),
        ("  start: 2026-01-01", "  start: 1st of January", "clients/acme.yml:11: 'start': expected a date"),
        ("  start: 2026-01-01", "  begins: 2026-01-01", "clients/acme.yml:11: unknown key 'begins'"),
        ("  end: 2027-12-31", "  end: 2025-12-31", "clients/acme.yml:12: 'support.end': 2025-12-31 is before"),
        ("  end: 2027-12-31\n", "", "clients/acme.yml:9: missing required key 'end'"),
        ("updates: 12", "updates: 0", "clients/acme.yml:13: 'updates': expected a whole number of hours from 1"),
        ("updates: 12", "updates: soon", "clients/acme.yml:13: 'updates': expected a whole number of hours"),
        ("resolution: 8", "resolve: 8", "clients/acme.yml:13: unknown key 'resolve'"),
        ("  plan: Gold", "  plan: [Gold, Silver]", "clients/acme.yml:10: 'plan': expected text"),
    ],
)
def test_organisation_mistakes_are_reported_at_their_line(run_kb, tmp_path, old, new, problem):
    assert old in PROFILE
    root = copy_root("clients", tmp_path / "project", {"clients/acme.yml": PROFILE.replace(old, new, 1)})
    checked = run_kb(root, "check")
    assert checked.exit_code == 1 and problem in checked.output, checked.output
    assert "Traceback" not in checked.output


def test_a_domain_or_admin_belongs_to_one_client_only(run_kb, tmp_path):
    harbor = (copy_root("clients", tmp_path / "original") / "clients/harbor.yml").read_text()
    harbor = harbor.replace("domains: [harbor.example]", "domains: [harbor.example, acme-water.example]")
    root = copy_root("clients", tmp_path / "project", {"clients/acme.yml": PROFILE, "clients/harbor.yml": harbor})
    checked = run_kb(root, "check")
    line = harbor.splitlines().index("domains: [harbor.example, acme-water.example]") + 1
    assert checked.exit_code == 1
    assert f"clients/harbor.yml:{line}: 'domains': 'acme-water.example' is already clients/acme.yml's" in checked.output


def test_client_host_names_in_portal_yml_are_checked_at_their_line(tmp_path):
    from generator.errors import SourceError
    from generator.portal.config import load_portal_config

    portal_yml = "client_hosts:\n  acme: Help.Acme.example\n  nope: help.nope.example\n  harbor: 'not a host'\n"
    root = copy_root("clients", tmp_path / "project", {"portal.yml": portal_yml})
    with pytest.raises(SourceError) as raised:
        load_portal_config(root, instance_dir=tmp_path / "instance")
    message = str(raised.value)
    assert "portal.yml:3: 'client_hosts': 'nope' is not a client (clients/<slug>.yml)" in message
    assert "portal.yml:4: 'client_hosts': harbor: expected a host name such as help.acme.example.com" in message
    fixed = copy_root("clients", tmp_path / "fixed", {"portal.yml": "client_hosts: {acme: Help.Acme.example}\n"})
    config = load_portal_config(fixed, instance_dir=tmp_path / "instance")
    assert config.client_hosts == {"help.acme.example": "acme"} and config.client_profiles["acme"].domains


def test_a_build_takes_the_admins_address_checks_from_its_memo_as_they_were(tmp_path, monkeypatch):
    """schema.mail_address is kept in a build's memo (email_validator's import is a fortieth of a second):
    the next build gets the same addresses and the same mistake, without validating them again."""
    import email_validator

    from generator.memo import remembering

    profile = PROFILE.replace("auditor@outside.example", "auditor-at-outside", 1)
    root = copy_root("clients", tmp_path / "project", {"clients/acme.yml": profile})
    fresh = load_catalog(root)
    validate, checked = email_validator.validate_email, []

    def counted(value, **options):
        checked.append(value)
        return validate(value, **options)

    monkeypatch.setattr(email_validator, "validate_email", counted)
    (tmp_path / "cache").mkdir()
    with remembering(tmp_path / "cache"):
        first = load_catalog(root)
    assert "auditor-at-outside" in checked
    checked.clear()
    with remembering(tmp_path / "cache"):
        again = load_catalog(root)
    assert checked == []
    assert again.problems == first.problems == fresh.problems and again.clients == first.clients
    assert any("'admins': item 2: expected a mail address" in str(p) for p in again.problems)
