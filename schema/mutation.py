"""Root mutations. Each returns a payload with the object and a non-null `userErrors` list."""

import strawberry

from schema.access import AccessMutation
from schema.billing import BillingMutation
from schema.bulk import BulkMutation
from schema.commissions import CommissionMutation
from schema.documents import DocumentMutation
from schema.launch import LaunchMutation
from schema.notifications import NotificationMutation
from schema.onboarding import OnboardingMutation
from schema.payouts import PayoutMutation
from schema.relationship_mutations import RelationshipMutation
from schema.reports import ReportMutation
from schema.store_setup import StoreSetupMutation
from schema.task_mutations import TaskMutation
from schema.team import TeamMutation
from schema.templates import TemplateMutation
from schema.webhook_mutations import WebhookMutation


# The domains' mutation types merged into one (as strawberry.tools.merge_types does, which
# takes no description).
@strawberry.type(
    description="Changes. Each mutation is one transaction: it either saves everything or "
    "nothing and says why in `userErrors` (a payload's object is then null). Common refusals: "
    "an id the viewer cannot see (NOT_FOUND), a role that does not allow it (FORBIDDEN), a "
    "stale `version` (CONFLICT)."
)
class Mutation(
    OnboardingMutation,
    TeamMutation,
    TaskMutation,
    TemplateMutation,
    StoreSetupMutation,
    LaunchMutation,
    DocumentMutation,
    AccessMutation,
    RelationshipMutation,
    BillingMutation,
    CommissionMutation,
    PayoutMutation,
    ReportMutation,
    WebhookMutation,
    BulkMutation,
    NotificationMutation,
):
    pass
