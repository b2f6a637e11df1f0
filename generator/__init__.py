"""Meridian knowledge base: sources in git to help centre, manuals, search index and case portal."""
