"""Every kind of bad file a person drops into the landing folder: quarantined alone, with a line that names the file,
the line and what was expected; the good file beside it loads; the next load leaves it alone until its bytes change."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
from bad_files import BAD_FILES, EN_HEADER, GOOD, ROW, csv_text, with_row, xlsx_bytes

from orchestration.build_database import build_db
from orchestration.loading.ingest import ingest_landing
from orchestration.loading.landing import skipped_in_landing
from orchestration.warehouse import Warehouse


def raw_rows(warehouse: Warehouse) -> list[tuple[object, ...]]:
    with build_db(warehouse) as con:
        return con.execute(
            "select * exclude (loaded_at) from raw.customs_lines order by vintage, row_number"
        ).fetchall()


def files_record(warehouse: Warehouse, name: str) -> list[tuple[object, ...]]:
    with build_db(warehouse) as con:
        return con.execute("select status, reason from audit.files where file_name = ?", [name]).fetchall()


@pytest.fixture
def loaded(warehouse: Warehouse) -> Warehouse:
    """A warehouse holding October."""
    path = warehouse.landing / "exports" / "gacc_exports_2025-10.csv"
    path.parent.mkdir(parents=True)
    path.write_text(csv_text([["202510", *ROW[1:]]]), encoding="gb18030")
    assert [o.status for o in ingest_landing(warehouse).outcomes] == ["loaded"]
    return warehouse


def drop(warehouse: Warehouse, name: str, content: bytes) -> Path:
    path = warehouse.landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_quarantined_alone_with_its_reason_and_left_alone_after(loaded: Warehouse, kind: str) -> None:
    bad = BAD_FILES[kind]
    before = raw_rows(loaded)
    path = drop(loaded, bad.name, bad.content)
    drop(loaded, "exports/good_2025-12.csv", csv_text(GOOD).encode("gb18030"))

    outcomes = {o.file_name: o for o in ingest_landing(loaded).outcomes}

    refused = outcomes[bad.name]
    assert refused.status == "quarantined"
    assert refused.reason is not None and refused.reason.startswith(bad.name)
    assert bad.message in refused.reason, refused.reason
    assert "\n" not in refused.reason and "Traceback" not in refused.reason
    assert files_record(loaded, bad.name) == [("quarantined", refused.reason)]
    assert outcomes["exports/good_2025-12.csv"].status == "loaded"  # the good file beside it still loads
    after = raw_rows(loaded)
    assert after[: len(before)] == before and {row[1] for row in after[len(before) :]} == {date(2025, 12, 1)}
    assert path.read_bytes() == bad.content  # the person's file is left as it was
    assert ingest_landing(loaded).outcomes == ()  # never retried, never poisoning, until its bytes change
    assert raw_rows(loaded) == after


ODD_BUT_VALID: dict[str, tuple[str, bytes]] = {
    "crlf_and_lf_mixed": (
        "exports/mixed_2025-11.csv",
        "".join(
            line.replace("\n", "\r\n") if i % 2 else line
            for i, line in enumerate(csv_text([ROW, [*ROW[:3], "304", *ROW[4:]]]).splitlines(keepends=True))
        ).encode("gb18030"),
    ),
    "full_width_header": (
        "exports/wide_2025-11.csv",
        csv_text([ROW], [*EN_HEADER[:1], "Ｃｏｍｍｏｄｉｔｙ code", *EN_HEADER[2:]]).encode(),
    ),
    "newline_in_name": ("exports/two\nlines_2025-11.csv", csv_text([ROW]).encode()),
    "shell_metacharacters_in_name": ("exports/$(rm -rf ~);|&`x`_2025-11.csv", csv_text([ROW]).encode()),
    "three_hundred_character_path": (
        "exports/" + "/".join(["稀土" * 30] * 2) + "/" + "m" * 120 + "_2025-11.csv",
        csv_text([ROW]).encode(),
    ),
    "xlsx_with_numbers_for_codes": (
        "exports/book_2025-11.xlsx",
        xlsx_bytes([[202511, 85051110, "x", 502, "US", 5, "kg", 6]]),
    ),
}


@pytest.mark.parametrize("kind", ODD_BUT_VALID)
def test_an_odd_but_valid_file_loads(warehouse: Warehouse, kind: str) -> None:
    name, content = ODD_BUT_VALID[kind]
    drop(warehouse, name, content)
    [outcome] = ingest_landing(warehouse).outcomes
    assert (outcome.file_name, outcome.status) == (name, "loaded"), outcome.reason
    with build_db(warehouse) as con:
        codes = con.execute("select distinct hs_code, month from raw.customs_lines").fetchall()
    assert codes == [("85051110", date(2025, 11, 1))]


def test_an_unknown_partner_loads_and_is_left_to_the_suite_as_a_warning(warehouse: Warehouse) -> None:
    drop(warehouse, "exports/unknown_2025-11.csv", with_row([*ROW[:3], "999", "无名", *ROW[5:]]).encode())
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "loaded" and outcome.warning is None


def test_names_that_read_as_mojibake_load_with_a_warning_naming_the_file(warehouse: Warehouse) -> None:
    # Latin-1 names whose bytes happen to be valid GB18030: they decode, but into nothing a code list knows.
    rows = [[*ROW[:2], "Aimants permanents", "116", "Japón", "582,000", "kg", "1"] for _ in range(4)]
    drop(warehouse, "exports/latin_2025-11.csv", csv_text(rows, EN_HEADER).encode("latin-1"))
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "loaded"
    assert outcome.warning is not None
    assert outcome.warning.startswith("4 of 4 partner names (e.g. 'Jap髇') and 4 of 4 commodity names")
    assert "another encoding than it seems" in outcome.warning
    with build_db(warehouse) as con:
        [(warning,)] = con.execute("select warning from audit.files").fetchall()
    assert warning == outcome.warning


def test_hidden_names_are_not_loaded_but_said(warehouse: Warehouse) -> None:
    for name in ("exports/..gacc_exports_2026-02.csv", "exports/.gacc_exports_2026-03.csv", "exports/~$book.xlsx"):
        drop(warehouse, name, csv_text([ROW]).encode())
    drop(warehouse, "exports/.drafts/x_2025-11.csv", csv_text([ROW]).encode())
    assert ingest_landing(warehouse).outcomes == ()
    skipped = dict(skipped_in_landing(warehouse.landing))
    assert set(skipped) == {
        "exports/..gacc_exports_2026-02.csv",
        "exports/.gacc_exports_2026-03.csv",
        "exports/~$book.xlsx",
        "exports/.drafts/",
    }
    assert all("rename it to load it" in why for why in skipped.values())


def test_a_symlink_out_of_the_landing_folder_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    outside = tmp_path / "private_exports_2025-11.csv"
    outside.write_text(csv_text([ROW]), encoding="utf-8")
    (warehouse.landing / "exports").mkdir()
    (warehouse.landing / "exports" / "link_2025-11.csv").symlink_to(outside)
    [outcome] = ingest_landing(warehouse).outcomes
    assert outcome.status == "quarantined"
    assert "refusing a file that resolves outside the landing folder" in outcome.reason
    assert raw_rows(warehouse) == []


def test_a_folder_named_like_a_csv_is_quarantined(warehouse: Warehouse) -> None:
    (warehouse.landing / "exports" / "x_2025-11.csv").mkdir(parents=True)
    (warehouse.landing / "exports" / "x_2025-11.csv" / "inside_2025-11.csv").write_text(csv_text([ROW]))
    outcomes = {o.file_name: o.status for o in ingest_landing(warehouse).outcomes}
    assert outcomes == {"exports/x_2025-11.csv/inside_2025-11.csv": "loaded"}  # a folder is walked, not read


def test_a_file_that_grows_while_it_is_read_is_loaded_once_it_is_still(warehouse: Warehouse) -> None:
    path = drop(
        warehouse, "exports/growing_2025-11.csv", csv_text([[*ROW[:3], f"{i}", *ROW[4:]] for i in range(999)]).encode()
    )
    extra = "".join(f"202511,85051110,x,{i},y,1,千克,1\n" for i in range(1000, 1100)).encode()
    from orchestration.gacc import GaccFile

    original = GaccFile.batches

    def batches_while_appending(self: GaccFile, digest: object = None):  # the download is still being written
        for number, batch in enumerate(original(self, digest=digest)):
            if number == 0 and self.path == path:
                with path.open("ab") as f:
                    f.write(extra)
                os.utime(path, ns=(1, 1))
            yield batch

    GaccFile.batches = batches_while_appending  # type: ignore[method-assign]
    try:
        [first] = ingest_landing(warehouse).outcomes
    finally:
        GaccFile.batches = original  # type: ignore[method-assign]
    assert first.status == "quarantined"
    assert "the file changed while being read" in first.reason
    assert raw_rows(warehouse) == []
    [second] = ingest_landing(warehouse).outcomes  # now that it is still
    assert (second.status, second.rows) == ("loaded", 1099)
    with build_db(warehouse) as con:
        [(sha,)] = con.execute("select sha256 from audit.files where status = 'loaded'").fetchall()
    import hashlib

    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unexpected_error_quarantines_the_file_with_its_traceback_and_the_others_load(loaded: Warehouse) -> None:
    # A constraint the reader does not know about: DuckDB itself refuses the insert.
    con = duckdb.connect(str(loaded.build_db))
    con.execute("alter table raw.customs_lines alter column partner_name set not null")
    con.close()
    drop(loaded, "exports/nameless_2025-11.csv", with_row([*ROW[:4], "", *ROW[5:]]).encode())
    drop(loaded, "exports/good_2025-12.csv", csv_text(GOOD).encode())
    outcomes = {o.file_name: o for o in ingest_landing(loaded).outcomes}
    refused = outcomes["exports/nameless_2025-11.csv"]
    assert refused.status == "quarantined"
    assert refused.reason.startswith(
        "exports/nameless_2025-11.csv: unexpected error while loading (ConstraintException"
    )
    assert refused.reason.endswith("the traceback is in audit.files.detail and the run's log")
    assert outcomes["exports/good_2025-12.csv"].status == "loaded"
    with build_db(loaded) as con:
        [(detail,)] = con.execute("select detail from audit.files where status = 'quarantined'").fetchall()
    assert detail.startswith("Traceback (most recent call last):") and "ConstraintException" in detail
