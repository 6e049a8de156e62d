"""Deterministic, calibrated sample of raw GACC customs downloads (see generate.py)."""

from .generate import SampleLine, sample_lines, write_sample_files

__all__ = ["SampleLine", "sample_lines", "write_sample_files"]
