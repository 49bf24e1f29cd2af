"""Validated stage: every return parsed into typed rows, rejected rows and located findings."""

import dagster as dg

from lsdi_pipeline.assets.metadata import DataFrame
from lsdi_pipeline.resources import LsdiPaths
from lsdi_pipeline.returns.return_batch import ReturnBatch


@dg.asset(group_name="validated")
def parsed_returns(
    paths: LsdiPaths,
    return_files: DataFrame,
    dim_borough: DataFrame,
    dim_indicator: DataFrame,
    dim_cluster: DataFrame,
) -> dg.Output:
    """Each archived return read against the LSDI-R1 format: figures, feasibility answers, narratives and findings."""
    # the parser is imported when the asset runs: it imports pandas, the definitions load without it
    from lsdi_pipeline.reference import AuthorityRegister, Catalogue
    from lsdi_pipeline.returns.batch import parse_archive
    from lsdi_pipeline.returns.cache import ParseCache
    from lsdi_pipeline.returns.statuses import submission_statuses

    register, catalogue = AuthorityRegister.from_frame(dim_borough), Catalogue.from_frames(dim_indicator, dim_cluster)
    # keyed by the reference tables themselves: the same in every process, unlike a pickle of sets
    cache = ParseCache(
        paths.warehouse / ".cache" / "parsed", dim_borough, dim_indicator, dim_cluster, warehouse_dir=paths.warehouse
    )
    batch: ReturnBatch = parse_archive(return_files, paths.warehouse, register, catalogue, cache)
    cache.prune()
    # as the files alone have it: the rules across figures may find more in them when the tables are built
    status = submission_statuses(batch.submission, batch.dq_issue)["status"].value_counts().to_dict()
    return dg.Output(
        batch,
        metadata={
            "files": len(batch.submission),
            **{f"files_{k}": int(v) for k, v in status.items()},
            "pi_rows": len(batch.fact_pi_value),
            "rejected_rows": len(batch.rejected_row),
            "findings": len(batch.dq_issue),
            "parsed_from_cache": cache.hits,
            "schema_validation_s": round(batch.schema_validation_s, 3),
            "cache_entries_set_aside": ", ".join(cache.set_aside) or "none",
            "summary": f"{len(batch.submission)} files ({cache.hits} read before), {len(batch.fact_pi_value)} figures, "
            f"{len(batch.rejected_row)} rows rejected",
        },
    )
