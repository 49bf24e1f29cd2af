"""Analysis tables computed from the warehouse's tables: pure functions of DataFrames."""
