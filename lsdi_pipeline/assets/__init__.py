"""Dagster assets, one module per stage: raw → validated → warehouse → analysis → reports."""
