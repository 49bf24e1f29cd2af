"""Reports for people, rendered from the warehouse tables: the Phase I report (`phase1/`), the boroughs' feedback
(`feedback`), and what both are made of (`html`, and `safe` for spreadsheets and CSV)."""
