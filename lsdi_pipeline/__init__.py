"""lsdi_pipeline: the London Datasets Initiative pipeline — borough returns read and checked, warehoused in DuckDB,
compared across boroughs, and turned into the Phase I report and the Phase II recommendation.

A regular package, not a namespace one: a module missing from this checkout is an ImportError here, never a module
of the same name silently imported from another checkout on the path. Importing it imports nothing else, so the
Dagster definitions still load without the data libraries."""
