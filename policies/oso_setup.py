"""Builds the one Oso instance of the process: classes, the fields data filtering may use,
the relations that become EXISTS subqueries, and the policy files."""

from __future__ import annotations

from pathlib import Path

from oso import Oso
from polar.data_filtering import Relation

from db.audit import AuditEvent
from db.base import Base
from db.models import (
    Assignment,
    Client,
    ClientUser,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    Task,
    TrustedDocument,
    WorkflowTemplate,
    WorkflowTemplateItem,
)
from db.money import (
    BillingTerms,
    Commission,
    CommissionTerms,
    Invoice,
    InvoiceLine,
    SubscriptionCharge,
)
from db.payouts import Payout, PayoutMinimum
from policies.bulk_setup import register_bulk
from policies.jobs_setup import register_jobs
from policies.relationship_setup import register_relationship
from policies.reports_setup import register_reports
from policies.sql_filter import SqlFilterAdapter
from policies.viewer import Membership, MerchantGrant, Viewer
from policies.webhooks_setup import register_webhooks

POLICY_DIR = Path(__file__).parent


class ClientSeat(Base):
    """The assignments table seen from a client ("who is assigned here"). Oso's planner allows a
    type only once as a relation target, and Assignment's own rules already reach
    Assignment -> Client; this second read-only mapping lets Client's rules reach its seats."""

    __table__ = Assignment.__table__


def register_money(oso: Oso) -> None:
    """The money domain's classes (policies/money.polar)."""
    client = Relation("one", "Client", "client_id", "id")
    oso.register_class(
        BillingTerms,
        fields={"id": int, "partner_id": int, "client_id": int, "client": client},
    )
    oso.register_class(
        Invoice,
        fields={
            "id": int,
            "partner_id": int,
            "client_id": int,
            "status": str,
            "client": client,
        },
    )
    oso.register_class(
        InvoiceLine,
        fields={"id": int, "invoice": Relation("one", "Invoice", "invoice_id", "id")},
    )
    oso.register_class(CommissionTerms, fields={"id": int, "partner_id": int, "is_program": bool})
    oso.register_class(SubscriptionCharge, fields={"id": int, "client_id": int})
    oso.register_class(Commission, fields={"id": int, "partner_id": int, "client_id": int})
    oso.register_class(Payout, fields={"id": int, "partner_id": int})
    oso.register_class(PayoutMinimum, fields={"id": int, "currency": str})


def build_oso() -> Oso:
    oso = Oso()
    oso.register_class(Viewer)
    oso.register_class(Membership)
    oso.register_class(MerchantGrant)
    oso.register_class(
        Partner,
        fields={
            "id": int,
            "accesses": Relation("many", "PartnerAccess", "id", "partner_id"),
            "members": Relation("many", "PartnerMember", "id", "partner_id"),
        },
    )
    oso.register_class(
        PartnerAccess,
        fields={
            "id": int,
            "partner_id": int,
            "client_id": int,
            "status": str,
            "scope": str,
            "live": bool,
        },
    )
    oso.register_class(
        Client,
        fields={
            "id": int,
            "accesses": Relation("many", "PartnerAccess", "id", "client_id"),
            "seats": Relation("many", "ClientSeat", "id", "client_id"),
        },
    )
    oso.register_class(
        Assignment,
        fields={
            "id": int,
            "partner_id": int,
            "client_id": int,
            "member_id": int,
            "client": Relation("one", "Client", "client_id", "id"),
        },
    )
    oso.register_class(
        ClientUser,
        fields={"id": int, "client_id": int, "user_id": int, "role": str, "status": str},
    )
    oso.register_class(ClientSeat, fields={"id": int, "client_id": int, "member_id": int})
    oso.register_class(
        Store,
        fields={
            "id": int,
            "client_id": int,
            "client": Relation("one", "Client", "client_id", "id"),
        },
    )
    oso.register_class(
        PartnerMember,
        fields={
            "id": int,
            "partner_id": int,
            "user_id": int,
            "role": str,
            "status": str,
            "partner": Relation("one", "Partner", "partner_id", "id"),
        },
    )
    oso.register_class(
        Task,
        fields={
            "id": int,
            "partner_id": int,
            "client_id": int,
            "client_visible": bool,
            "partner_live": bool,
            "client": Relation("one", "Client", "client_id", "id"),
        },
    )
    for template_cls in (WorkflowTemplate, WorkflowTemplateItem):
        oso.register_class(template_cls, fields={"id": int, "partner_id": int})
    oso.register_class(TrustedDocument, fields={"id": int, "sha256": str})
    oso.register_class(
        AuditEvent, fields={"id": int, "partner_id": int, "client_id": int, "internal": bool}
    )
    register_relationship(oso)
    register_money(oso)
    register_reports(oso)
    register_webhooks(oso)
    register_jobs(oso)
    register_bulk(oso)
    oso.set_data_filtering_adapter(SqlFilterAdapter())
    oso.load_files(sorted(str(p) for p in POLICY_DIR.glob("*.polar")))
    return oso
