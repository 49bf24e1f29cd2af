"""The DuckDB warehouse: its schema (the public contract), the archive of received files,
and safe publishing."""
