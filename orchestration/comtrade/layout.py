"""The UN Comtrade download layout: its 47 columns, how each is typed, and the Arrow schema the reader yields."""

from __future__ import annotations

import pyarrow as pa

COMTRADE_COLUMNS: tuple[str, ...] = (
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "classificationSearchCode",
    "isOriginalClassification",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "isQtyEstimated",
    "altQtyUnitCode",
    "altQtyUnitAbbr",
    "altQty",
    "isAltQtyEstimated",
    "netWgt",
    "isNetWgtEstimated",
    "grossWgt",
    "isGrossWgtEstimated",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "legacyEstimationFlag",
    "isReported",
    "isAggregate",
)
"""The columns of a Comtrade download (the API's and the web portal's), in the order they are written."""

INTEGER_COLUMNS = frozenset(
    {
        "refPeriodId",
        "refYear",
        "refMonth",
        "reporterCode",
        "partnerCode",
        "partner2Code",
        "aggrLevel",
        "motCode",
        "qtyUnitCode",
        "altQtyUnitCode",
        "legacyEstimationFlag",
    }
)
# Quantities, weights and values: never negative in a trade return.
AMOUNT_COLUMNS = frozenset({"qty", "altQty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"})
BOOLEAN_COLUMNS = frozenset(
    {
        "isOriginalClassification",
        "isLeaf",
        "isQtyEstimated",
        "isAltQtyEstimated",
        "isNetWgtEstimated",
        "isGrossWgtEstimated",
        "isReported",
        "isAggregate",
    }
)
TEXT_COLUMNS = frozenset(COMTRADE_COLUMNS) - INTEGER_COLUMNS - AMOUNT_COLUMNS - BOOLEAN_COLUMNS

# Comtrade writes a missing unit as code -1 and abbreviation 'N/A': both mean "no unit", stored as NULL.
MISSING_UNIT_CODES = frozenset({"qtyUnitCode", "altQtyUnitCode"})
MISSING_UNIT_ABBREVIATIONS = frozenset({"qtyUnitAbbr", "altQtyUnitAbbr"})


def _arrow_type(name: str) -> pa.DataType:
    if name in INTEGER_COLUMNS:
        return pa.int64()
    if name in AMOUNT_COLUMNS:
        return pa.float64()
    if name in BOOLEAN_COLUMNS:
        return pa.bool_()
    return pa.string()


PARTNER_LINE_SCHEMA = pa.schema(
    [
        pa.field("row_number", pa.int64(), nullable=False),
        pa.field("month", pa.date32(), nullable=False),
        *(pa.field(name, _arrow_type(name)) for name in COMTRADE_COLUMNS),
    ]
)
"""One partner-reported line as the raw layer stores it: the 1-based data row, the month (its first day), then
the 47 Comtrade columns under their own names. The loader builds its raw table from this schema."""
