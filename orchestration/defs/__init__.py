"""Dagster wiring only: assets, checks, sensors, schedules, jobs and resources call the library modules."""

import warnings

import dagster as dg

# Single-run backfills and partitioned checks are deliberate here (see NOTES); their beta/preview
# warnings, raised as the definitions below are imported, would bury what people need to read.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
