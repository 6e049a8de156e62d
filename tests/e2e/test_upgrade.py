"""A warehouse built before this release: its next `rare-earth load` rebuilds the marts in the new shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SampleLoad, rare_earth

pytestmark = pytest.mark.slow


def test_a_warehouse_built_before_this_release_is_rebuilt_in_full_by_the_next_load(
    sample_load: SampleLoad, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(sample_load.pristine, warehouse, symlinks=True)
    # As the release before left it: no marts_version recorded, DECIMAL tonnes, no Chinese partner names.
    con = duckdb.connect(str(warehouse / "build" / "rare_earth_build.duckdb"))
    try:
        con.execute("delete from control.marts_version")
        con.execute("alter table marts.fct_trade_monthly drop column partner_name_zh")
        con.execute("alter table marts.fct_trade_monthly alter tonnes type decimal(18, 6)")
    finally:
        con.close()

    load = rare_earth(warehouse, "load")  # no new file: only the changed shape asks for a build

    assert load.returncode == 0, load.stderr
    assert "the marts changed shape with this release (marts_version 3): every month, 2024-01..2025-12" in load.stderr
    published = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        [(tonnes_type,)] = published.execute(
            "select data_type from duckdb_columns() where table_name = 'fct_trade_monthly' and column_name = 'tonnes'"
        ).fetchall()
        [(rows, named, months)] = published.execute(
            "select count(*), count(partner_name_zh), count(distinct month) from marts.fct_trade_monthly"
        ).fetchall()
    finally:
        published.close()
    assert tonnes_type == "DOUBLE"
    assert (named, months) == (rows, 24)  # every month rebuilt, not only the months of a run
    again = rare_earth(warehouse, "load")
    assert again.returncode == 0 and "changed shape" not in again.stderr  # once
