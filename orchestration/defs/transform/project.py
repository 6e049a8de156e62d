"""The dbt project as Dagster sees it: one cached DbtProject, and the CLI resource pointing at the venv's dbt."""

import sys
from pathlib import Path

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from orchestration.warehouse import REPO_ROOT

# dagster-dbt calls `dbt` from PATH, which outside an activated venv may be another dbt or none.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """Parses the project under `dg dev` (so that edited models show at once) with the venv's dbt."""

    def prepare(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()


rare_earth_dbt = DbtProject(project_dir=REPO_ROOT / "dbt_project", profiles_dir=REPO_ROOT / "dbt_project")
# Under `dg dev` this re-parses the project; elsewhere (tests, CI, the CLI) `make` runs `dbt parse`.
VenvDbtPreparer().prepare_if_dev(rare_earth_dbt)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=rare_earth_dbt, dbt_executable=DBT_EXECUTABLE)
