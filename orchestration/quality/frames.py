"""The frames the suites validate, read from the build database."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from orchestration.reference_codes import partner_codes, rare_earth_product_groups


def raw_month_frame(con: duckdb.DuckDBPyConnection, flow: str, first: date, last: date) -> pd.DataFrame:
    """One flow's current lines of the months, with each file's row count (the portal caps at 10,000)."""
    frame = con.execute(
        """select l.flow, l.month, l.hs_code, l.partner_code, l.regime_code, l.province_code,
                  cast(l.quantity_kg as double) as quantity_kg, l.unit,
                  cast(l.value_usd as double) as value_usd, cast(l.value_cny as double) as value_cny,
                  l.source_file, l.vintage, l.row_number, f.rows as rows_in_file
           from raw.current_customs_lines as l
           left join audit.files as f on f.vintage = l.vintage
           where l.flow = ? and l.month between ? and ?""",
        [flow, first, last],
    ).df()
    frame["is_rare_earth_code"] = frame["hs_code"].isin(list(rare_earth_product_groups()))
    return frame


def raw_month_parameters(first: date, last: date) -> dict[str, object]:
    return {
        "partner_codes": list(partner_codes()),
        "first_month": pd.Timestamp(first),
        "last_month": pd.Timestamp(last),
    }
