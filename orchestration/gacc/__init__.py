"""Reading China Customs (GACC) downloads: plain Python and Arrow, no Dagster, no DuckDB."""

from orchestration.gacc.errors import GaccFileError
from orchestration.gacc.months import FIRST_MONTH, month_problem
from orchestration.gacc.paths import Period, flow_from_path, is_cumulative, period_from_name
from orchestration.gacc.reader import MAX_AMOUNT, RAW_LINE_SCHEMA, GaccFile, open_gacc_file, read_gacc_file

__all__ = [
    "FIRST_MONTH",
    "MAX_AMOUNT",
    "RAW_LINE_SCHEMA",
    "GaccFile",
    "GaccFileError",
    "Period",
    "flow_from_path",
    "is_cumulative",
    "month_problem",
    "open_gacc_file",
    "period_from_name",
    "read_gacc_file",
]
