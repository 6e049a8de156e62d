"""What the published tables mean, in one place: a comment on every table and column of the published DuckDB file,
which the PostgreSQL replica copies from there.

The marts' texts are dbt's (the models' YAML and its `{% docs %}` blocks, rendered into the manifest by `make parse`);
the audit tables' are the build database's own (build_database.AUDIT_DOCS); `marts.meta_publish`, written by the
publish, is described here.
"""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.build_database import AUDIT_DOCS, TableDocs
from orchestration.warehouse import REPO_ROOT

DBT_MANIFEST = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
MARTS = "marts"
META_PUBLISH_DOC = (
    "One row per flow (and one for the partner-reported source): when these marts were published, the months and "
    "vintages they cover, and the dbt and expectation-suite versions that built and audited them.",
    {
        "published_at": "When the marts were published (UTC).",
        "flow": "'export' or 'import' (China's customs), or 'partner' (partner-reported statistics, UN Comtrade).",
        "first_month": "First month of the flow in the marts.",
        "last_month": "Latest month of the flow in the marts.",
        "months": "Number of months of the flow.",
        "last_vintage": "Newest file vintage in the marts.",
        "files": "Number of source files behind the flow's current lines.",
        "dbt_version": "dbt-core version that built the marts.",
        "suite_versions": "Each expectation suite with its content hash.",
    },
)


def mart_docs(manifest: Path = DBT_MANIFEST) -> TableDocs:
    """Table and column descriptions of the dbt models in `marts`, from dbt's manifest."""
    docs: TableDocs = {"meta_publish": META_PUBLISH_DOC}
    if not manifest.exists():
        return docs
    for node in json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == MARTS:
            columns = {name: c["description"] for name, c in node["columns"].items() if c.get("description")}
            docs[node["name"]] = (node.get("description") or "", columns)
    return docs


def published_docs(manifest: Path = DBT_MANIFEST) -> dict[str, TableDocs]:
    """Schema -> table -> (description, column -> description) of every table the publish writes."""
    return {MARTS: mart_docs(manifest), "audit": AUDIT_DOCS}
