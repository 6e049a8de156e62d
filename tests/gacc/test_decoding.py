"""Reading a file in chunks of whole lines, and the hash of exactly the bytes a pass read."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path, PurePath

import openpyxl
import pytest
from conftest import EN_HEADER, ZH_HEADER, render_csv

from orchestration.gacc import open_gacc_file
from orchestration.gacc.decoding import LineTooLong, line_chunks
from orchestration.warehouse import Warehouse

NAMES = ["稀土永磁𠀀体", "镧铈㐀合金", "€ 欧元区", "ÅÄÖ", "钕铁硼"]


def rows(n: int, start: int = 0) -> list[list[str]]:
    return [
        ["202511", f"{28460000 + i % 97:08d}", NAMES[i % 5] * (1 + i % 7), "304", "德国", str(i), "千克", "1"]
        for i in range(start, start + n)
    ]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size", [512, 4093, 1 << 20])
def test_chunks_are_whole_lines_that_decode_alone(size: int) -> None:
    data = render_csv(ZH_HEADER, rows(2000)).encode("gb18030")
    digest = hashlib.sha256()
    chunks = [bytes(chunk) for chunk in line_chunks(io.BytesIO(data), size, digest)]
    assert b"".join(chunks) == data
    assert all(chunk.endswith(b"\n") and len(chunk) <= size for chunk in chunks)
    assert "".join(chunk.decode("gb18030") for chunk in chunks) == data.decode("gb18030")
    assert digest.hexdigest() == sha256(data)


def test_the_last_chunk_may_lack_its_line_end() -> None:
    chunks = [bytes(chunk) for chunk in line_chunks(io.BytesIO(b"a,b\nc,d\ne,f"), 6)]
    assert chunks == [b"a,b\n", b"c,d\n", b"e,f"]


def test_a_line_of_chunk_size_or_more_is_refused() -> None:
    with pytest.raises(LineTooLong):
        list(line_chunks(io.BytesIO(b"a,b\n" + b"x" * 100 + b"\n"), 64))


def write(warehouse: Warehouse, name: str, data: bytes) -> Path:
    path = warehouse.landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_the_digest_of_a_full_pass_is_the_files_sha256(warehouse: Warehouse, encoding: str) -> None:
    path = write(warehouse, "exports/gacc_2025-11.csv", render_csv(ZH_HEADER, rows(3000)).encode(encoding))
    gacc = open_gacc_file(path, block_size=4093)
    digest = hashlib.sha256()
    assert sum(batch.num_rows for batch in gacc.batches(digest=digest)) == 3000
    assert digest.hexdigest() == sha256(path.read_bytes())


def test_the_digest_of_a_workbook_is_the_files_sha256(warehouse: Warehouse) -> None:
    path = warehouse.landing / "exports" / "gacc_2025-11.xlsx"
    path.parent.mkdir(parents=True)
    workbook = openpyxl.Workbook()
    for row in [EN_HEADER, *rows(50)]:
        workbook.active.append(row)
    workbook.save(path)
    digest = hashlib.sha256()
    assert sum(batch.num_rows for batch in open_gacc_file(path).batches(digest=digest)) == 50
    assert digest.hexdigest() == sha256(path.read_bytes())


def test_a_file_appended_to_while_read_hashes_as_what_was_read(warehouse: Warehouse) -> None:
    original = render_csv(ZH_HEADER, rows(20_000)).encode("gb18030")
    appended = render_csv(ZH_HEADER, rows(100, start=20_000)).encode("gb18030").split(b"\n", 1)[1]
    path = write(warehouse, "exports/gacc_2025-11.csv", original)
    gacc = open_gacc_file(path, relative_path=PurePath("exports/gacc_2025-11.csv"), block_size=4093)
    digest = hashlib.sha256()
    read = 0
    for batch in gacc.batches(digest=digest):
        if read == 0:
            with path.open("ab") as f:  # a download still being written, or a person saving over it
                f.write(appended)
        read += batch.num_rows
    assert read == 20_100  # the reader was still far from the end when the lines were added
    assert digest.hexdigest() == sha256(original + appended) != sha256(original)
