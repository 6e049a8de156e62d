"""Synthetic GACC customs downloads for the ingest benchmark: millions of portal-shaped rows, fast.

Rows are assembled column by column with numpy and Arrow string kernels and written straight from
the Arrow buffers: a csv.writer loop would spend minutes on 5 M rows and dominate the benchmark.
The GB18030 (Chinese header and names) and UTF-8 (English) files hold the same rows: same keys,
same amounts, same order; only the language of the names and the encoding differ.

Everything is seeded and chunked the same way on every run, so two runs write identical bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "reference" / "gacc"

GENERATOR_VERSION = 1  # bump when the rows change: cached files carry it in their folder name
MONTH = "202511"
FILE_NAME = "bench_exports_2025-11.csv"  # 'exports' gives the flow, 2025-11 must agree with MONTH
CHUNK_ROWS = 250_000
MISSING = "?"  # the portal's missing value

ZH_HEADER = (
    "数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "贸易方式编码", "贸易方式名称",
    "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元",
)  # fmt: skip
EN_HEADER = (
    "Date of data", "Commodity code", "Commodity", "Trading partner code", "Trading partner",
    "Customs Regime code", "Customs Regime", "Quantity", "Unit", "Supplimentary Quantity",
    "Supplimentary Unit", "US dollar",
)  # fmt: skip

# Characters that GB18030 writes with 4 bytes (𠀀 😀 ḿ ¥) or with rarely used 2-byte codes, mixed
# into some names of the decode-check file so that codec state across read blocks is exercised.
SPICE = " 𠀀😀ḿ¥䶮ǹ·€﹏龥〇\u3000尾"
SPICE_SHARE = 0.01

LANGUAGES = ("zh", "en")
ENCODINGS = {"zh": "gb18030", "en": "utf-8"}


@dataclass(frozen=True)
class Vocabulary:
    """The reference lists, index-aligned: names[lang][i] belongs to codes[i]."""

    hs_codes: list[str]
    commodity: dict[str, list[str]]
    unit_1: dict[str, list[str]]
    unit_2: dict[str, list[str]]  # MISSING where the code has no second unit
    partner_codes: list[str]
    partner: dict[str, list[str]]
    regime_codes: list[str]
    regime: dict[str, list[str]]

    @property
    def key_space(self) -> int:
        return len(self.hs_codes) * len(self.partner_codes) * len(self.regime_codes)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    # en-hs8-2023.csv is mostly ASCII, but its full-width signs (＜, ≤) are GB18030 bytes, not UTF-8.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_read_text(path), newline="")))[1:]


def _clean_name(text: str) -> str:
    # The reference lists carry stray CR/LF inside quoted names (a portal data row is one line) and
    # one NUL byte (before 'Serbia and Montenegro'), which makes any loader refuse the file as binary.
    return re.sub(r"[\x00-\x1f\x7f]+", lambda m: " " if "\n" in m[0] or "\r" in m[0] else "", text).strip()


def _hs8(path: Path) -> dict[str, tuple[str, str, str]]:
    found: dict[str, tuple[str, str, str]] = {}
    for row in _rows(path):
        # A few English descriptions hold unescaped quotes and so split into extra fields: the
        # description is everything between the code and the last six fields.
        code, description = row[0], ",".join(row[1:-6])
        found[code] = (_clean_name(description), row[-4].strip(), row[-2].strip())
    return found


def load_vocabulary(reference: Path = REFERENCE) -> Vocabulary:
    en = _hs8(reference / "en-hs8-2023.csv")
    zh = _hs8(reference / "zh-hs8-2023.csv")
    codes = sorted(en)  # ALL commodity codes of the English list
    missing_zh = [c for c in codes if c not in zh]
    if missing_zh:
        raise SystemExit(f"zh-hs8-2023.csv lacks {len(missing_zh)} codes of en-hs8-2023.csv, e.g. {missing_zh[:3]}")
    # One rule for both languages: a code without a second unit has '?' as quantity and unit.
    no_unit_2 = [zh[c][2] in ("", MISSING) or en[c][2] in ("", MISSING) for c in codes]

    partners_en = {r[0].strip(): _clean_name(r[1]) for r in _rows(reference / "en-TradingPartner-cleaned-manually.csv")}
    partners_zh = {r[0].strip(): _clean_name(r[1]) for r in _rows(reference / "zh-TradingPartner-cleaned-manually.csv")}
    partner_codes = sorted(partners_en.keys() & partners_zh.keys())
    regimes_en = {r[0].strip(): _clean_name(r[1]) for r in _rows(reference / "en-CustomsRegime.csv")}
    regimes_zh = {r[0].strip(): _clean_name(r[1]) for r in _rows(reference / "zh-CustomsRegime.csv")}
    regime_codes = sorted(regimes_en.keys() & regimes_zh.keys())

    by_lang = {"zh": zh, "en": en}
    return Vocabulary(
        hs_codes=codes,
        commodity={lang: [by_lang[lang][c][0] for c in codes] for lang in LANGUAGES},
        unit_1={lang: [by_lang[lang][c][1] for c in codes] for lang in LANGUAGES},
        unit_2={
            lang: [MISSING if skip else by_lang[lang][c][2] for c, skip in zip(codes, no_unit_2, strict=True)]
            for lang in LANGUAGES
        },
        partner_codes=partner_codes,
        partner={"zh": [partners_zh[c] for c in partner_codes], "en": [partners_en[c] for c in partner_codes]},
        regime_codes=regime_codes,
        regime={"zh": [regimes_zh[c] for c in regime_codes], "en": [regimes_en[c] for c in regime_codes]},
    )


# --- formatting -----------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    # Names are always quoted, as the portal does; an inner quote is doubled (RFC 4180).
    return '"' + text.replace('"', '""') + '"'


def _table(values: list[str], encoding: str, *, quote: bool) -> pa.Array:
    """A lookup table of already-encoded CSV fields, so that rows are a `take` away."""
    fields = [_quoted(v) if quote and v != MISSING else v for v in values]
    return pa.array([f.encode(encoding) for f in fields], pa.binary())


def _grouped(values: np.ndarray) -> pa.Array:
    """Non-negative integers with thousands separators ('5,848,714'), as binary, unquoted."""
    groups = [(values // 10**k) % 1000 for k in (12, 9, 6, 3, 0)]
    padded = [pc.utf8_lpad(pc.cast(pa.array(g), pa.string()), width=3, padding="0") for g in groups]
    text = pc.utf8_ltrim(pc.binary_join_element_wise(*padded, ","), characters="0,")
    return pc.if_else(pa.array(values == 0), "0", text).cast(pa.binary())


def _amounts(values: np.ndarray, fraction: np.ndarray | None = None, missing: np.ndarray | None = None) -> pa.Array:
    """Amount fields: grouped, optionally with 3 decimals, quoted when they hold a comma, or '?'."""
    text = _grouped(values)
    if fraction is not None:
        decimals = pc.utf8_lpad(pc.cast(pa.array(fraction), pa.string()), width=3, padding="0").cast(pa.binary())
        text = pc.if_else(pa.array(fraction >= 0), pc.binary_join_element_wise(text, decimals, b"."), text)
    text = pc.if_else(pa.array(values >= 1000), pc.binary_join_element_wise(b'"', text, b'"', b""), text)
    if missing is not None:
        text = pc.if_else(pa.array(missing), pa.scalar(MISSING.encode(), pa.binary()), text)
    return text


def _write_lines(out: io.BufferedWriter, lines: pa.Array) -> None:
    # A binary array's data buffer is its values back to back: with '\n' ending every value it IS
    # the file's bytes, written without a Python object per row.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    out.write(memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]])


def _header(lang: str) -> bytes:
    if lang == "zh":
        # The portal quotes every header field and ends every line with a comma.
        return ("".join(_quoted(h) + "," for h in ZH_HEADER) + "\n").encode("gb18030")
    return (",".join(EN_HEADER) + ",\n").encode("utf-8")


@dataclass(frozen=True)
class _Chunk:
    code: np.ndarray
    partner: np.ndarray
    regime: np.ndarray
    quantity: np.ndarray
    quantity_fraction: np.ndarray
    quantity_2: np.ndarray
    value_usd: np.ndarray
    spiced: np.ndarray


def _amount_columns(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    # Log-normal amounts span 1 to ~10^10 like real customs lines; 10% of quantities have decimals.
    quantity = np.clip(rng.lognormal(7.0, 2.5, n), 1, 9e11).astype(np.int64)
    fraction = np.where(rng.random(n) < 0.1, rng.integers(0, 1000, n), -1)
    quantity_2 = np.clip(rng.lognormal(5.0, 2.0, n), 1, 9e11).astype(np.int64)
    value_usd = np.clip(rng.lognormal(9.0, 2.5, n), 1, 9e11).astype(np.int64)
    return quantity, fraction, quantity_2, value_usd


def _unique_chunks(vocab: Vocabulary, rows: int, seed: int) -> Iterator[_Chunk]:
    """`rows` distinct (code, partner, regime) keys in portal order (by code, partner, regime)."""
    if rows > vocab.key_space:
        raise SystemExit(f"--rows {rows:,} exceeds the {vocab.key_space:,} distinct (code, partner, regime) keys")
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.choice(vocab.key_space, size=rows, replace=False))
    n_partner, n_regime = len(vocab.partner_codes), len(vocab.regime_codes)
    for start in range(0, rows, CHUNK_ROWS):
        k = keys[start : start + CHUNK_ROWS]
        n = len(k)
        quantity, fraction, quantity_2, value_usd = _amount_columns(rng, n)
        yield _Chunk(
            code=k // (n_partner * n_regime),
            partner=(k // n_regime) % n_partner,
            regime=k % n_regime,
            quantity=quantity,
            quantity_fraction=fraction,
            quantity_2=quantity_2,
            value_usd=value_usd,
            spiced=np.zeros(n, dtype=bool),
        )


def _repeating_chunks(vocab: Vocabulary, seed: int) -> Iterator[_Chunk]:
    """Endless chunks of keys drawn with replacement (rows repeat), 1% of names spiced."""
    rng = np.random.default_rng(seed)
    while True:
        n = CHUNK_ROWS
        code = np.sort(rng.integers(0, len(vocab.hs_codes), n))
        partner = rng.integers(0, len(vocab.partner_codes), n)
        regime = rng.integers(0, len(vocab.regime_codes), n)
        quantity, fraction, quantity_2, value_usd = _amount_columns(rng, n)
        spiced = rng.random(n) < SPICE_SHARE
        yield _Chunk(code, partner, regime, quantity, fraction, quantity_2, value_usd, spiced)


class _Formatter:
    """Turns chunks into the lines of one language's file."""

    def __init__(self, vocab: Vocabulary, lang: str) -> None:
        encoding = ENCODINGS[lang]
        self.encoding = encoding
        names = vocab.commodity[lang]
        # Index i + len(codes) is the spiced variant of name i (used by the decode-check file only).
        self.commodity = _table([*names, *(n + SPICE for n in names)], encoding, quote=True)
        self.unit_1 = _table(vocab.unit_1[lang], encoding, quote=True)
        self.unit_2 = _table(vocab.unit_2[lang], encoding, quote=True)
        self.no_unit_2 = np.array([u == MISSING for u in vocab.unit_2[lang]])
        self.hs_code = _table(vocab.hs_codes, encoding, quote=False)
        self.partner_code = _table(vocab.partner_codes, encoding, quote=False)
        self.partner = _table(vocab.partner[lang], encoding, quote=True)
        self.regime_code = _table(vocab.regime_codes, encoding, quote=False)
        self.regime = _table(vocab.regime[lang], encoding, quote=True)
        self.n_codes = len(vocab.hs_codes)

    def lines(self, c: _Chunk) -> pa.Array:
        code = pa.array(c.code)
        fields = [
            pa.scalar(MONTH.encode(), pa.binary()),
            self.hs_code.take(code),
            self.commodity.take(pa.array(c.code + self.n_codes * c.spiced)),
            self.partner_code.take(pa.array(c.partner)),
            self.partner.take(pa.array(c.partner)),
            self.regime_code.take(pa.array(c.regime)),
            self.regime.take(pa.array(c.regime)),
            _amounts(c.quantity, c.quantity_fraction),
            self.unit_1.take(code),
            _amounts(c.quantity_2, missing=self.no_unit_2[c.code]),
            self.unit_2.take(code),
            _amounts(c.value_usd),
            pa.scalar(b"\n", pa.binary()),  # after the separator: the portal's trailing comma
        ]
        return pc.binary_join_element_wise(*fields, pa.scalar(b",", pa.binary()))


# --- files on disk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchFiles:
    rows: int
    utf8: Path
    gb18030: Path


def _done(folder: Path) -> dict[str, object] | None:
    marker = folder / "done.json"
    if not marker.exists():
        return None
    meta: dict[str, object] = json.loads(marker.read_text())
    sizes = meta.get("sizes", {})
    assert isinstance(sizes, dict)
    ok = all((folder / name).exists() and (folder / name).stat().st_size == size for name, size in sizes.items())
    return meta if ok else None


def _finish(folder: Path, files: dict[str, Path], rows: int) -> None:
    # Files are written under .part names and renamed last, so an interrupted run never leaves a
    # half-written file that a later run would take for a cached one.
    sizes = {}
    for final in files.values():
        part = final.with_name(final.name + ".part")
        part.replace(final)
        sizes[str(final.relative_to(folder))] = final.stat().st_size
    (folder / "done.json").write_text(json.dumps({"rows": rows, "sizes": sizes}, indent=1))


def ensure_bench_files(data_dir: Path, rows: int, seed: int, vocab: Vocabulary | None = None) -> BenchFiles:
    """The UTF-8 (English) and GB18030 (Chinese) files of `rows` unique keys; cached in `data_dir`."""
    folder = data_dir / f"v{GENERATOR_VERSION}-rows{rows}-seed{seed}"
    files = {lang: folder / ENCODINGS[lang] / "exports" / FILE_NAME for lang in LANGUAGES}
    if _done(folder) is None:
        vocab = vocab or load_vocabulary()
        formatters = {lang: _Formatter(vocab, lang) for lang in LANGUAGES}
        outs = {}
        for lang, path in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            outs[lang] = path.with_name(path.name + ".part").open("wb")
            outs[lang].write(_header(lang))
        try:
            for chunk in _unique_chunks(vocab, rows, seed):
                for lang in LANGUAGES:
                    _write_lines(outs[lang], formatters[lang].lines(chunk))
        finally:
            for out in outs.values():
                out.close()
        _finish(folder, files, rows)
    return BenchFiles(rows, files["en"], files["zh"])


def ensure_decode_check_file(data_dir: Path, megabytes: int, seed: int, vocab: Vocabulary | None = None) -> Path:
    """A GB18030 file of at least `megabytes` MB, rows repeating, 1% of names with 4-byte characters."""
    folder = data_dir / f"v{GENERATOR_VERSION}-decode{megabytes}mb-seed{seed}"
    path = folder / "gb18030" / "exports" / FILE_NAME
    if _done(folder) is None:
        vocab = vocab or load_vocabulary()
        formatter = _Formatter(vocab, "zh")
        path.parent.mkdir(parents=True, exist_ok=True)
        target = megabytes * 1_000_000
        rows = 0
        with path.with_name(path.name + ".part").open("wb") as out:
            out.write(_header("zh"))
            for chunk in _repeating_chunks(vocab, seed + 1):
                lines = formatter.lines(chunk)
                # Stop at the first line that reaches the target size, not at the end of a 25 MB chunk.
                ends = np.cumsum(pc.binary_length(lines).to_numpy()) + out.tell()
                keep = min(len(lines), int(np.searchsorted(ends, target)) + 1)
                _write_lines(out, lines.slice(0, keep))
                rows += keep
                if out.tell() >= target:
                    break
        _finish(folder, {"zh": path}, rows)
    return path


def file_rows(path: Path) -> int:
    """Data rows of a generated file, from its cache marker."""
    for parent in path.parents:
        marker = parent / "done.json"
        if marker.exists():
            return int(json.loads(marker.read_text())["rows"])
    raise FileNotFoundError(f"no done.json above {path}")
