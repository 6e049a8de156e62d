"""What holds for every asset, stated once: its group is the first part of its key, and when it is due."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

# China Customs publishes the detailed monthly figures around the 20th: every loaded asset is due to be
# refreshed between the 20th and the end of the 21st, Beijing time (the schedule loads on the 21st).
DUE_EACH_MONTH = dg.FreshnessPolicy.cron(
    deadline_cron="0 0 22 * *", lower_bound_delta=timedelta(days=2), timezone="Asia/Shanghai"
)
# Files people drop in: observed, never materialised by the pipeline.
EXTERNAL = (dg.AssetKey(["landing", "gacc_files"]), dg.AssetKey(["landing", "partner_files"]))


def _grouped_and_due(spec: dg.AssetSpec) -> dg.AssetSpec:
    due = {} if spec.key in EXTERNAL else {"freshness_policy": DUE_EACH_MONTH}
    return spec.replace_attributes(group_name=spec.key.path[0], **due)


def apply_house_rules(defs: dg.Definitions) -> dg.Definitions:
    return defs.map_asset_specs(func=_grouped_and_due)
