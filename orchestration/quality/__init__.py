"""Expectation suites (files in expectations/) run on pandas frames of the month being loaded, with GX 1.x."""
