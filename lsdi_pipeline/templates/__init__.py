"""The LSDI-R1 return template sent to each pilot borough (docs/return-format.md)."""
