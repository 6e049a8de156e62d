"""The dbt project as Dagster sees it: one cached DbtProject, and the CLI resource pointing at the venv's dbt."""

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject

from orchestration.dbt_process import DBT_EXECUTABLE
from orchestration.warehouse import REPO_ROOT

# What dbt parses: a manifest newer than all of it is current.
PROJECT_FILES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def manifest_is_current(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return False
    built = project.manifest_path.stat().st_mtime
    paths = [project.project_dir / name for name in PROJECT_FILES]
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return all(f.stat().st_mtime <= built for f in files)


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """Parses the project under `dg dev` (so that edited models show at once) with the venv's dbt, when a file of
    it changed since the manifest was written (`make dev` has just parsed it otherwise)."""

    def prepare(self, project: DbtProject) -> None:
        if manifest_is_current(project):
            return
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()


rare_earth_dbt = DbtProject(project_dir=REPO_ROOT / "dbt_project", profiles_dir=REPO_ROOT / "dbt_project")
# Under `dg dev` this re-parses the project; elsewhere (tests, CI, the CLI) `make` runs `dbt parse`.
VenvDbtPreparer().prepare_if_dev(rare_earth_dbt)


def dbt_resource() -> DbtCliResource:
    """The project's dbt: the asset runs its builds in process (in_process.py); `dg dev` parses with it."""
    return DbtCliResource(project_dir=rare_earth_dbt, dbt_executable=DBT_EXECUTABLE)
