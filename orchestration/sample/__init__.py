"""Deterministic, calibrated sample: raw GACC customs downloads (generate.py) and the partners' side of them, UN
Comtrade downloads (comtrade.py)."""

from .comtrade import write_partner_sample_files
from .generate import SampleLine, sample_lines, write_sample_files

__all__ = ["SampleLine", "sample_lines", "write_partner_sample_files", "write_sample_files"]
