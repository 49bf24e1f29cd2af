"""Publish stage: every warehouse table, built in staging and swapped into the DuckDB file analysts open."""

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.warehouse.schema import TABLES
from lsdi_pipeline.warehouse.store import publish


@dg.asset(group_name="publish", ins={name: dg.AssetIn(name) for name in TABLES})
def lsdi_warehouse(context: dg.AssetExecutionContext, paths: LsdiPaths, **tables: DataFrame) -> dg.MaterializeResult:
    """The published DuckDB warehouse (lsdi.duckdb): every table built in staging and swapped in atomically.

    What changed is compared after the publish, with the backup the publish checked it could read: the last
    publish, or an earlier one when the last cannot be read. Files it could not trust are named in `set_aside`.
    """
    from lsdi_pipeline.warehouse.changes import changes_since_published  # imports pandas: when the asset runs

    publication = publish(paths.warehouse, {name: tables[name] for name in TABLES})
    path = publication.path
    context.log.info(f"published {path}")
    for warning in publication.warnings:
        context.log.warning(warning)
    changed = changes_since_published(
        publication.previous, publication.previous_is, tables["submission"], tables["fact_pi_value"]
    )
    return dg.MaterializeResult(
        metadata={
            **changed,
            "set_aside": ", ".join(p.relative_to(paths.warehouse).as_posix() for p in publication.set_aside) or "none",
            "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in publication.warnings) or "none"),
            "path": dg.MetadataValue.path(str(path.resolve())),
            "size_bytes": path.stat().st_size,
            "tables": dg.MetadataValue.md("\n".join(f"- `{n}`: {len(tables[n]):,} rows" for n in TABLES)),
            "summary": f"{len(TABLES)} tables published to {path}; {changed['submissions_added']} submission(s) added, "
            f"{changed['figures_superseded']} figure(s) superseded"
            + (f"; {len(publication.warnings)} warning(s)" if publication.warnings else ""),
        }
    )
