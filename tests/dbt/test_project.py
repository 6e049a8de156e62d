"""The dbt project parses on its own and declares the raw layer as a source attached to the ingest asset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.warehouse import REPO_ROOT


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The manifest of a real `dbt parse` of the project, in a target folder of its own."""
    tmp_path = tmp_path_factory.mktemp("parse")
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
    assert result.returncode == 0, result.stdout + result.stderr  # refs across the owners' groups included
    return json.loads((target / "manifest.json").read_text())


def test_dbt_parse_declares_the_raw_source(manifest: dict) -> None:
    source = manifest["sources"]["source.rare_earth.raw.customs_lines"]
    assert (source["schema"], source["name"]) == ("raw", "customs_lines")
    assert source["meta"]["dagster"]["asset_key"] == ["raw", "customs_lines"]
    assert {"flow", "month", "hs_code", "partner_code", "quantity_kg", "source_sha256", "vintage"} <= set(
        source["columns"]
    )


def test_every_model_and_seed_has_an_owner_by_its_folder(manifest: dict) -> None:
    owners = {g["name"]: g["owner"]["name"] for g in manifest["groups"].values()}
    expected = {"staging": "Data engineering", "intermediate": "Data engineering", "reference": "Data engineering",
                "marts": "Analytics engineering"}  # fmt: skip
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    assert {n["schema"] for n in nodes} == set(expected)
    for node in nodes:
        assert owners[node["group"]] == expected[node["schema"]], node["name"]
        # dbt's default: any model of the project may ref it (a `private` one would refuse other groups' refs).
        assert node.get("access", "protected") == "protected", node["name"]


def test_the_docs_open_on_the_projects_own_overview(manifest: dict) -> None:
    overview = manifest["docs"]["doc.rare_earth.__overview__"]
    assert overview["original_file_path"] == "models/overview.md"
    for words in ("staging → intermediate → marts", "all_rare_earth", "rare_earths_headline", "DOUBLE", "GACC"):
        assert words in overview["block_contents"], words
