"""A quiet logger for `lsdi run`: one line per asset as it is materialised, stage by stage."""

from __future__ import annotations

import logging
import sys

import dagster as dg


class _ProgressHandler(logging.Handler):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                self.stream.write(f"  ! {record.getMessage()}\n")
            return
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            key = materialization.asset_key.to_user_string()
            metadata = materialization.metadata
            summary = metadata.get("summary") or metadata.get("dagster/row_count")
            text = getattr(summary, "value", summary)
            if isinstance(text, int):
                text = f"{text:,} rows"
            stage = _STAGE_OF.get(event.step_key, "")
            self.stream.write(f"  {stage:<10} {key:<23} {text or ''}\n")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.asset_key.to_user_string() == "dq_expectation":
                return  # one line per expectation would be a wall: the dq_expectation line sums them up
            rows = evaluation.metadata.get("rows_failed")
            if evaluation.passed:
                outcome = "passed"
            elif evaluation.severity == dg.AssetCheckSeverity.WARN or not evaluation.blocking:
                boroughs = evaluation.metadata.get("boroughs")
                outcome = ("warning" if evaluation.severity == dg.AssetCheckSeverity.WARN else "failed") + (
                    f": {rows.value:,} findings" if rows is not None else f": {boroughs.value}" if boroughs else ""
                )
            else:
                outcome = "FAILED: the warehouse will not be published"
            self.stream.write(f"  {'check':<10} {evaluation.check_name:<23} {outcome}\n")
        elif event.event_type_value == "STEP_FAILURE":
            self.stream.write(f"  ✗ {event.step_key} failed: {event.event_specific_data.error.message.strip()}\n")
        self.stream.flush()


#: step key → stage (asset group), filled in by the CLI from the definitions
_STAGE_OF: dict[str, str] = {}


def set_stages(stage_of_step: dict[str, str]) -> None:
    _STAGE_OF.update(stage_of_step)


@dg.logger(
    config_schema={"enabled": dg.Field(bool, default_value=False, description="Print progress lines to stderr.")},
    description="One line per materialised asset, grouped by stage (used by `lsdi run`).",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("lsdi.progress", level=logging.DEBUG)
    if init_context.logger_config["enabled"]:
        logger.addHandler(_ProgressHandler(sys.stderr))
    return logger
