"""Reading borough returns (format LSDI-R1): periods, values, workbooks, CSVs."""
