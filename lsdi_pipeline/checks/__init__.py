"""Data-quality checks beyond a single row: availability, cadence and integrity across returns,
and the Great Expectations suites that record them."""
