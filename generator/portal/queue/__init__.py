"""The agent queue: the worst first, views with counts, filters, full-text search, paging, bulk actions."""
