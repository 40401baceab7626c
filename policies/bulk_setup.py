"""Bulk operations' classes for Oso: the fields their rules (policies/bulk.polar) may filter on."""

from __future__ import annotations

from oso import Oso
from polar.data_filtering import Relation

from db.bulk import BulkOperation, BulkResult


def register_bulk(oso: Oso) -> None:
    oso.register_class(BulkOperation, fields={"id": int, "created_by_user_id": int})
    oso.register_class(
        BulkResult,
        fields={
            "id": int,
            "operation_id": int,
            "operation": Relation("one", "BulkOperation", "operation_id", "id"),
        },
    )
