"""The DuckDB warehouse: its schema (the public contract), the checks that it is consistent, and safe publishing."""
