"""Domain events and their transactional outbox: what a mutation did, said in the words of the
domain (client.onboarded, task.completed, invoice.issued...), written in the mutation's own
transaction so an event exists exactly when its change was committed. Whatever sends events out
(partner webhooks, later mail) reads the outbox after the commit; a refused or failed mutation
rolls its events back with everything else.

The events come from the rows the mutation changed, as captured for the audit trail
(db/audit_capture.py): `BY_MUTATION` names the event each mutation's changes of one model make,
and `BY_ROW` the events a row's new value makes whichever mutation set it (a task whose status
becomes done is task.completed, be it by completeTask or updateTask). Payloads carry ids and the
changed fields' new values, never a secret: a column marked `info={"secret": True}` is left out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from db.audit import SECRET_MARKER, AuditOperation
from db.base import Base, utcnow

__all__ = [
    "BY_JOB",
    "BY_MUTATION",
    "BY_ROW",
    "QUIET",
    "Changed",
    "DomainEvent",
    "OutboxEvent",
    "derive",
    "event_types",
]


class OutboxEvent(Base):
    """One domain event, recorded with the change that made it. Rows are only ever inserted.
    `partner_id`/`client_id` are the tenant keys the read policy filters on; `payload` holds the
    object's type and id, the operation and the changed fields (never secrets)."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_partner_id_id", "partner_id", "id"),
        Index("ix_outbox_events_client_id_id", "client_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "client.onboarded" (the catalogue: BY_MUTATION and BY_ROW).
    event_type: Mapped[str] = mapped_column(String(100), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    # The GraphQL type name and database id of the object the event is about.
    subject_type: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The object was internal to the partner's team (as in the audit trail).
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # The mutation that made it, and the request it came in.
    action: Mapped[str] = mapped_column(String(100))
    request_id: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


# Mutation -> (model class name, event type): each row of that model the mutation changed is one
# event of that type.
BY_MUTATION: dict[str, tuple[tuple[str, str], ...]] = {
    # Clients and the team
    "onboardClient": (("Client", "client.onboarded"),),
    "handOverClient": (("Client", "client.handed_over"),),
    "inviteMember": (("PartnerMember", "member.invited"),),
    "acceptInvitation": (("PartnerMember", "member.joined"),),
    "changeMemberRole": (("PartnerMember", "member.role_changed"),),
    "removeMember": (("PartnerMember", "member.removed"),),
    "assignMember": (("Assignment", "member.assigned"),),
    "unassignMember": (("Assignment", "member.unassigned"),),
    # Tasks and templates
    "createTask": (("Task", "task.created"),),
    "updateTask": (("Task", "task.updated"),),
    "completeTask": (("Task", "task.completed"),),
    "reopenTask": (("Task", "task.reopened"),),
    "deleteTask": (("Task", "task.deleted"),),
    "applyWorkflowTemplate": (("Task", "task.created"),),
    "createWorkflowTemplate": (("WorkflowTemplate", "workflow_template.created"),),
    "updateWorkflowTemplate": (("WorkflowTemplate", "workflow_template.updated"),),
    "deleteWorkflowTemplate": (("WorkflowTemplate", "workflow_template.deleted"),),
    # Stores
    "connectStoreDomain": (("Store", "store.domain_connected"),),
    "verifyStoreDomain": (("Store", "store.domain_checked"),),
    "disconnectStoreDomain": (("Store", "store.domain_disconnected"),),
    "updateStorePayments": (("Store", "store.updated"),),
    "updateStoreLogistics": (("Store", "store.updated"),),
    "updateStoreCatalog": (("Store", "store.updated"),),
    "updateStoreBrand": (("Store", "store.updated"),),
    "updateStoreCompliance": (("Store", "store.updated"),),
    "launchStore": (("Store", "store.launched"),),
    # Access and the merchant's staff
    "requestClientAccess": (("PartnerAccess", "access.requested"),),
    "approveAccessRequest": (("PartnerAccess", "access.approved"),),
    "declineAccessRequest": (("PartnerAccess", "access.declined"),),
    "revokePartnerAccess": (("PartnerAccess", "access.revoked"),),
    "createAccessCode": (("AccessCode", "access_code.created"),),
    "inviteMerchantStaff": (("ClientUser", "merchant_staff.invited"),),
    "acceptClientInvitation": (("ClientUser", "merchant_staff.joined"),),
    "removeMerchantStaff": (("ClientUser", "merchant_staff.removed"),),
    # Communication, documents, support
    "postCommunication": (("Communication", "communication.posted"),),
    "updateCommunication": (("Communication", "communication.updated"),),
    "addClientDocument": (("ClientDocument", "document.added"),),
    "updateClientDocument": (("ClientDocument", "document.updated"),),
    "acknowledgeDocument": (("ClientDocument", "document.acknowledged"),),
    "logTime": (("TimeEntry", "time_entry.logged"),),
    "updateTimeEntry": (("TimeEntry", "time_entry.updated"),),
    "deleteTimeEntry": (("TimeEntry", "time_entry.deleted"),),
    "setSupportPlan": (("SupportPlan", "support_plan.set"),),
    # Money
    "setBillingTerms": (("BillingTerms", "billing_terms.set"),),
    "createInvoice": (("Invoice", "invoice.created"),),
    "generateRecurringInvoices": (("Invoice", "invoice.created"),),
    "issueInvoice": (("Invoice", "invoice.issued"),),
    "markInvoicePaid": (("Invoice", "invoice.paid"),),
    "voidInvoice": (("Invoice", "invoice.voided"),),
    "setCommissionTerms": (("CommissionTerms", "commission_terms.set"),),
    "recordSubscriptionCharges": (
        ("SubscriptionCharge", "subscription_charge.recorded"),
        ("Commission", "commission.created"),
    ),
    "approveDueCommissions": (("Commission", "commission.approved"),),
    "runPayouts": (("Payout", "payout.created"),),
    "markPayoutPaid": (("Payout", "payout.paid"),),
    # Saved reports
    "saveReport": (("SavedReport", "report.saved"),),
    "updateReport": (("SavedReport", "report.updated"),),
    "deleteReport": (("SavedReport", "report.deleted"),),
}

# Mutations that change data but make no event: the order of a client's tasks (a drag in a
# list, not news), one reader's read marks, and the platform's own settings that concern no
# tenant (trusted documents, payout minimums), and one user's own choice of emails. Webhook
# endpoints are the channel events leave by, not news of the partner's work: their changes are
# in the audit trail, not the outbox.
QUIET = frozenset(
    {
        "reorderTasks",
        "markCommunicationsRead",
        "registerDocument",
        "setPayoutMinimum",
        # Partner webhooks (resolvers/webhooks.py).
        "createWebhookEndpoint",
        "updateWebhookEndpoint",
        "rotateWebhookSecret",
        "deleteWebhookEndpoint",
        "redeliverWebhook",
        "updateNotificationPreferences",
    }
)
# A bulk mutation only queues its operation (its creator's own job); each item, when it runs,
# records the events of the single mutation it runs (applyWorkflowTemplate, assignMember,
# updateTask).
QUIET |= {"bulkApplyWorkflowTemplate", "bulkAssignMember", "bulkUpdateTasks"}

# (model class name, column, new value) -> event type, whichever mutation set the value.
BY_ROW: dict[tuple[str, str, str], str] = {
    ("Task", "status", "done"): "task.completed",
    ("Store", "domain_status", "verified"): "store.domain_verified",
    ("Store", "launch_status", "live"): "store.launched",
    ("PartnerAccess", "status", "active"): "access.approved",
    ("PartnerAccess", "status", "revoked"): "access.revoked",
    ("PartnerAccess", "status", "ended"): "access.ended",
    ("Invoice", "status", "issued"): "invoice.issued",
    ("Invoice", "status", "paid"): "invoice.paid",
    ("Invoice", "status", "void"): "invoice.voided",
    ("Commission", "status", "approved"): "commission.approved",
}


# Events that scheduled jobs record, not mutations (resolvers/scheduled.py): once per task and
# due date, once per access and expiry.
BY_JOB: dict[str, str] = {
    "tasks.mark_overdue": "task.overdue",
    "accesses.expire": "access.expired",
}


def event_types() -> list[str]:
    """Every event type the catalogue can record, sorted."""
    found = {t for pairs in BY_MUTATION.values() for _, t in pairs} | set(BY_ROW.values())
    found |= set(BY_JOB.values())
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Changed:
    """One row a mutation changed, as the audit capture saw it (values are JSON; secrets are
    already SECRET_MARKER)."""

    model: str
    subject_type: str
    row_id: int
    operation: AuditOperation
    after: dict[str, Any]
    partner_id: int | None
    client_id: int | None
    internal: bool


@dataclass(frozen=True, slots=True)
class DomainEvent:
    event_type: str
    change: Changed

    def payload(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.change.after.items() if v != SECRET_MARKER}
        return {
            "object": {"type": self.change.subject_type, "id": self.change.row_id},
            "operation": self.change.operation.value,
            "fields": fields,
            "partnerId": self.change.partner_id,
            "clientId": self.change.client_id,
        }


def derive(action: str, changes: Iterable[Changed]) -> list[DomainEvent]:
    """The events of a mutation named `action` that made `changes`: its own (BY_MUTATION) and
    those of the values it set (BY_ROW), each (type, object) once, in order."""
    own = dict(BY_MUTATION.get(action, ()))
    found: list[DomainEvent] = []
    seen: set[tuple[str, str, int]] = set()

    def add(event_type: str, change: Changed) -> None:
        key = (event_type, change.model, change.row_id)
        if key not in seen:
            seen.add(key)
            found.append(DomainEvent(event_type, change))

    for change in changes:
        mutation_type = own.get(change.model)
        if mutation_type is not None:
            add(mutation_type, change)
        for name, value in change.after.items():
            row_type = BY_ROW.get((change.model, name, str(value)))
            if row_type is not None:
                add(row_type, change)
    return found


def rows(
    events: Iterable[DomainEvent], *, action: str, request_id: str, at: datetime
) -> list[dict[str, Any]]:
    """The outbox rows of `events` (for one INSERT)."""
    return [
        {
            "event_type": e.event_type,
            "partner_id": e.change.partner_id,
            "client_id": e.change.client_id,
            "subject_type": e.change.subject_type,
            "subject_id": e.change.row_id,
            "payload": e.payload(),
            "internal": e.change.internal,
            "action": action,
            "request_id": request_id,
            "occurred_at": at,
        }
        for e in events
    ]
