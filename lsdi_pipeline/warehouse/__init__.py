"""The DuckDB warehouse: its schema (the public contract) and safe publishing."""
