"""`kb import mkdocs`: bring an existing MkDocs project's pages into this one (read, plan, write, report)."""
