"""The knowledge loop and what readers do: deflections, article links, drafts, flags, feedback, searches and
their clicks."""

from __future__ import annotations

import sqlalchemy as sa

from .metadata import UtcDateTime, metadata

deflections = sa.Table(
    "deflections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("query", sa.String(200)),
    sa.Column("page_id", sa.String(20)),
    sa.Column("context_id", sa.String(120)),
)


# The knowledge loop (Knowledge-Centered Service): reuse, improve, capture.
article_links = sa.Table(
    "article_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False),
    sa.Column("title", sa.String(300)),  # as the agent saw it when linking, for the customer's page
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("case_id", "article_id", name="uq_article_links_case_article"),
)

drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("module", sa.String(64), nullable=False),
    sa.Column("issue", sa.Text, nullable=False),
    sa.Column("environment", sa.Text, nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("cause", sa.Text, nullable=False),
    sa.Column("context_id", sa.String(120)),
    sa.Column("pulled_at", UtcDateTime),  # written into kb/ by `kb cases pull-drafts`
    sa.Column("article_id", sa.String(20)),
    sa.Column("path", sa.String(300)),
)

article_flags = sa.Table(
    "article_flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id")),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id")),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # wrong, incomplete
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("pulled_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("article_id", sa.String(20), nullable=False, index=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("comment", sa.Text),
)

searches = sa.Table(
    "searches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("results", sa.Integer, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # search page, api, case form
)

search_clicks = sa.Table(
    "search_clicks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("query", sa.String(200), nullable=False),
    sa.Column("page_id", sa.String(200), nullable=False),  # an article ID (KB-0042) or a manual page's ID
    sa.Column("position", sa.Integer),  # 1 for the first result of the first page; None when not known
    sa.Column("source", sa.String(20), nullable=False),  # search page, suggestions
)
