"""The one resource every asset shares: where the warehouse folder is."""

from __future__ import annotations

import dagster as dg

from orchestration.warehouse import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse folder (landing files, build database, published files)."""

    warehouse_dir: str = ""  # empty: $WAREHOUSE_DIR, else ./warehouse

    def get(self) -> Warehouse:
        return Warehouse.from_env(self.warehouse_dir or None)
