"""Reading UN Comtrade downloads (partner-reported trade with China): plain Python and Arrow, no Dagster, no DuckDB."""

from orchestration.comtrade.errors import ComtradeFileError
from orchestration.comtrade.layout import COMTRADE_COLUMNS, PARTNER_LINE_SCHEMA
from orchestration.comtrade.reader import ComtradeFile, open_comtrade_file

__all__ = [
    "COMTRADE_COLUMNS",
    "PARTNER_LINE_SCHEMA",
    "ComtradeFile",
    "ComtradeFileError",
    "open_comtrade_file",
]
