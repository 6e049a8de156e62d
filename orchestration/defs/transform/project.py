"""The dbt project as Dagster sees it: one cached DbtProject, and the CLI resource pointing at the venv's dbt."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.warehouse import REPO_ROOT

rare_earth_dbt = DbtProject(project_dir=REPO_ROOT / "dbt_project", profiles_dir=REPO_ROOT / "dbt_project")
# Under `dagster dev` this re-parses the project; elsewhere (tests, CI, the CLI) `make` runs `dbt parse`.
rare_earth_dbt.prepare_if_dev()

# dagster-dbt calls `dbt` from PATH, which outside an activated venv may be another dbt or none.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=rare_earth_dbt, dbt_executable=DBT_EXECUTABLE)
