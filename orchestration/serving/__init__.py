"""Publishing the audited marts where readers are: the read-only DuckDB file and Parquet exports."""
