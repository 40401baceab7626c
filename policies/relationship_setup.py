"""The client relationship's classes for Oso: the fields its rules (policies/relationship.polar)
may filter on, and each row's relation to its client (an EXISTS in SQL)."""

from __future__ import annotations

from oso import Oso
from polar.data_filtering import Relation

from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)


def register_relationship(oso: Oso) -> None:
    client = Relation("one", "Client", "client_id", "id")
    base = {"id": int, "client_id": int, "partner_id": int, "client": client}
    oso.register_class(Communication, fields={**base, "visibility": str, "author_user_id": int})
    oso.register_class(CommunicationRevision, fields={**base, "visibility": str})
    oso.register_class(SupportPlan, fields=base)
    oso.register_class(TimeEntry, fields={**base, "visibility": str, "user_id": int})
    oso.register_class(ClientDocument, fields={**base, "visibility": str})
