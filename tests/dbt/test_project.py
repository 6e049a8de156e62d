"""The dbt project parses on its own and declares the raw layer as a source attached to the ingest asset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orchestration.warehouse import REPO_ROOT


def test_dbt_parse_declares_the_raw_source(tmp_path: Path) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    target = tmp_path / "target"
    result = subprocess.run(
        [
            str(dbt),
            "parse",
            "--project-dir",
            "dbt_project",
            "--profiles-dir",
            "dbt_project",
            "--target-path",
            str(target),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={"WAREHOUSE_DIR": str(tmp_path / "warehouse"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((target / "manifest.json").read_text())
    source = manifest["sources"]["source.rare_earth.raw.customs_lines"]
    assert (source["schema"], source["name"]) == ("raw", "customs_lines")
    assert source["meta"]["dagster"]["asset_key"] == ["raw", "customs_lines"]
    assert {"flow", "month", "hs_code", "partner_code", "quantity_kg", "source_sha256", "vintage"} <= set(
        source["columns"]
    )
