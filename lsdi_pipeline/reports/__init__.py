"""Reports for people: the Phase I report, rendered from the warehouse tables."""
