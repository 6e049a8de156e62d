"""dbt's documentation as one static page that names each relation where its readers find it.

dbt names every relation after the database it builds in (`rare_earth_build.marts.fct_trade_monthly`), and has no
setting for a name other than the one it writes to. Analysts never open the build database: each publish copies
the published schemas into `rare_earth.duckdb`, where the same table is `rare_earth.marts.fct_trade_monthly`. So
the page is composed here as `dbt docs generate --static` composes it (dbt's page with manifest.json and
catalog.json inlined), with the relations dbt writes into the published `marts` renamed. Staging, intermediate,
the seeds and dbt's stored test failures keep the build database's name: they live there only. So do the sources,
which dbt reads there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.serving.table_docs import MARTS
from orchestration.warehouse import Warehouse

# The placeholders in dbt's page that `docs generate --static` replaces with the two artifacts.
_INLINE = {"manifest": '"MANIFEST.JSON INLINE DATA"', "catalog": '"CATALOG.JSON INLINE DATA"'}


def _renamed(node: dict[str, Any], built_in: str, published_as: str) -> bool:
    """Rename one manifest node's relation to the published database, if dbt built it in the published marts."""
    if node.get("database") != built_in or node.get("schema") != MARTS:
        return False
    node["database"] = published_as
    relation = node.get("relation_name")
    if relation and relation.startswith(f'"{built_in}".'):
        node["relation_name"] = f'"{published_as}".' + relation.removeprefix(f'"{built_in}".')
    return True


def name_published_relations(
    manifest: dict[str, Any], catalog: dict[str, Any], built_in: str, published_as: str
) -> None:
    """Rename, in both artifacts, every relation dbt writes into the published marts from `built_in` to
    `published_as`."""
    renamed = {uid for uid, node in manifest["nodes"].items() if _renamed(node, built_in, published_as)}
    for unique_id, entry in catalog["nodes"].items():
        if unique_id in renamed:
            entry["metadata"]["database"] = published_as


def _inline(artifact: dict[str, Any]) -> str:
    # Inside a <script>: a "</" in a description or in SQL must not close it.
    return json.dumps(artifact).replace("</", "<\\/")


def write_static_docs(target: Path, out: Path, warehouse: Warehouse) -> Path:
    """One self-contained page from the artifacts `dbt docs generate` wrote to `target` (its manifest.json,
    catalog.json, and dbt's page as index.html), naming the published relations as analysts query them."""
    artifacts = {name: json.loads((target / f"{name}.json").read_text(encoding="utf-8")) for name in _INLINE}
    name_published_relations(
        artifacts["manifest"], artifacts["catalog"], warehouse.build_db.stem, warehouse.published_db.stem
    )
    page = (target / "index.html").read_text(encoding="utf-8")
    for name, placeholder in _INLINE.items():
        if placeholder not in page:
            raise RuntimeError(f"dbt's docs page in {target} has no place for {name}.json: not the page dbt writes")
        page = page.replace(placeholder, _inline(artifacts[name]), 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
