"""The portal serves an older version's help centre under /v/<version>/ (built with --all-versions), each
page with the policy of its own version's theme scripts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generator.build import index_beside
from generator.cli import cli
from generator.theme_scripts import script_hash
from tests.versioned_project import MARKER_2026_2, MARKER_2026_3, make_versioned_project

from .test_portal_security import csp_directives
from .test_portal_site_csp import theme_scripts


@pytest.fixture(scope="module")
def versioned_site(tmp_path_factory):
    root = make_versioned_project(tmp_path_factory.mktemp("portal-versions") / "project")
    result = CliRunner().invoke(cli, ["--root", str(root), "build", "--all-versions"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root / "build/site"


@pytest.mark.parametrize(
    ("path", "marker"),
    [("kb/scheduling/gantt-empty/", MARKER_2026_3), ("v/2026.2/kb/scheduling/gantt-empty/", MARKER_2026_2)],
)
def test_the_portal_serves_each_published_version(make_app, versioned_site, path, marker):
    client = make_app(site_dir=versioned_site, index_dir=index_beside(versioned_site)).test_client()
    response = client.get(f"/{path}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert marker in page
    scripts = csp_directives(response)["script-src"]
    assert all(script_hash(body) in scripts for body in theme_scripts(page))


def test_the_portal_serves_the_versions_list_and_no_unpublished_version(make_app, versioned_site):
    client = make_app(site_dir=versioned_site, index_dir=index_beside(versioned_site)).test_client()
    listed = json.loads(client.get("/versions.json").get_data(as_text=True))
    assert [version["name"] for version in listed["versions"]] == ["2026.3", "2026.2", "2026.1"]
    assert client.get("/v/2026.2/").status_code == 200
    assert client.get("/v/2026.4/").status_code == 404  # planned: nothing published
