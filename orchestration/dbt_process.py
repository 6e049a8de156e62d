"""`rare-earth-dbt`: dbt's own command line, run with the project's short-process settings.

Dagster's dbt resource, `make parse` and `rare-earth docs` start dbt through this entry point: the same
dbt-core, arguments and output, about a second quicker per invocation (orchestration/short_process.py).
"""

import sys
from pathlib import Path

from orchestration.short_process import collect_rarely

# The venv's own entry point: from PATH, outside an activated venv, `dbt` may be another dbt or none.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("rare-earth-dbt"))


def main() -> None:
    collect_rarely()
    from dbt.cli.main import cli

    cli()
