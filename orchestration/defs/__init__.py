"""Dagster wiring only: assets, checks, sensors, schedules, jobs and resources call the library modules."""
