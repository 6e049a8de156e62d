"""Every kind of bad file at once, beside a good one, through `rare-earth load` as a person runs it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest
from bad_files import BAD_FILES, GOOD, ROW, csv_text
from conftest import rare_earth


def published_bytes(warehouse: Path) -> dict[str, str]:
    files = [warehouse / "rare_earth.duckdb", *sorted((warehouse / "exports").glob("*.parquet"))]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


@pytest.mark.slow
def test_bad_files_are_quarantined_one_line_each_the_good_file_is_published_and_the_next_load_is_stable(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "warehouse"
    october = warehouse / "landing" / "exports" / "gacc_exports_2025-10.csv"
    october.parent.mkdir(parents=True)
    october.write_text(csv_text([["202510", *ROW[1:]]]), encoding="gb18030")
    assert rare_earth(warehouse, "load").returncode == 0
    for kind, bad in BAD_FILES.items():
        path = warehouse / "landing" / bad.name.replace("bad", kind)
        path.write_bytes(bad.content)
    (warehouse / "landing" / "exports" / "good_2025-12.csv").write_text(csv_text(GOOD), encoding="gb18030")

    load = rare_earth(warehouse, "load")

    output = load.stdout + load.stderr
    assert load.returncode == 1
    assert "Traceback" not in output and "Stack Trace" not in output and "STEP_FAILURE" not in output
    assert f"1 files loaded, {len(BAD_FILES)} quarantined" in load.stdout
    refused = [line for line in load.stderr.splitlines() if line.startswith("quarantined, not loaded: ")]
    for kind, bad in BAD_FILES.items():
        name = bad.name.replace("bad", kind)
        [line] = [line for line in refused if line.startswith(f"quarantined, not loaded: {name}")]
        assert bad.message in line
    con = duckdb.connect(str(warehouse / "rare_earth.duckdb"), read_only=True)
    try:
        months = con.execute(
            "select distinct strftime(month, '%Y-%m') from marts.fct_trade_monthly order by 1"
        ).fetchall()
        [(quarantined,)] = con.execute("select count(*) from audit.files where status = 'quarantined'").fetchall()
    finally:
        con.close()
    assert months == [("2025-10",), ("2025-12",)]  # exactly the good files are published
    assert quarantined == len(BAD_FILES)

    published = published_bytes(warehouse)
    again = rare_earth(warehouse, "load")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("  refused     ") == len(BAD_FILES)  # one reminder each, never a retry
    assert "nothing new" in again.stdout
    assert published_bytes(warehouse) == published
