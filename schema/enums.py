"""GraphQL enums: the database vocabularies, registered once with Strawberry. Registration marks
the classes themselves, so the schema annotates fields with these very classes. The descriptions
live here, not in db/ (which knows nothing of GraphQL), and are set on the registered values."""

from collections.abc import Mapping
from enum import StrEnum

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from db import enums as db_enums
from db.enums import (
    AccessScope,
    AccessStatus,
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    ClientUserStatus,
    CommunicationKind,
    DocumentKind,
    DomainStatus,
    KeepAccess,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    MerchantRole,
    PartnerRole,
    PartnerTier,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    SupportChannel,
    TaskCategory,
    TaskStatus,
    TaxStatus,
    Visibility,
)
from resolvers.problems import ErrorCode
from resolvers.readiness import BlockerCode

# Per vocabulary: the enum's description and one per value. Vocabularies no field uses (and so
# absent from the SDL) need none; tests/test_schema_descriptions.py checks those in the schema.
DESCRIPTIONS: dict[type[StrEnum], tuple[str, dict[str, str]]] = {
    ClientStatus: (
        "Where a client is in its life: lead -> onboarding -> implementation -> live. Work moves "
        "a client forward (stages may be skipped), never back.",
        {
            ClientStatus.LEAD: "A prospect, not onboarded yet.",
            ClientStatus.ONBOARDING: "Onboarded (onboardClient); no set-up work recorded yet.",
            ClientStatus.IMPLEMENTATION: "The store is being set up: set by the first store "
            "set-up change, task started or task completed.",
            ClientStatus.LIVE: "The store has launched (launchStore).",
            ClientStatus.CHURNED: "The merchant left. Not set through this API; work no longer "
            "moves the status.",
            ClientStatus.HANDED_OVER: "The merchant took the client over from its partner "
            "(handOverClient); work no longer moves the status.",
        },
    ),
    AccessScope: (
        "What a partner's access lets it do; the policy reads it on every path.",
        {
            AccessScope.FULL: "Everything: implementation, support and billing.",
            AccessScope.IMPLEMENTATION: "Store set-up, tasks, launch and support; no billing.",
            AccessScope.SUPPORT: "Reads the client and its store; communication and support "
            "only (no tasks, no store changes, no launch).",
        },
    ),
    AccessStatus: (
        "Where a partner's access stands. REQUESTED -> ACTIVE (approved), ENDED (declined or "
        "withdrawn) or REVOKED; ACTIVE -> REVOKED (by the merchant) or ENDED (by the partner, "
        "or recorded after its expiry). REVOKED and ENDED are final.",
        {
            AccessStatus.REQUESTED: "Asked for; gives nothing until the merchant owner approves.",
            AccessStatus.ACTIVE: "Approved; in force until revoked, ended or expired.",
            AccessStatus.REVOKED: "The merchant withdrew it (or refused the request).",
            AccessStatus.ENDED: "Ended by the partner, declined, or past its expiry.",
        },
    ),
    ClientUserStatus: (
        "Whether a merchant user's membership is in force.",
        {
            ClientUserStatus.INVITED: "Invited, not accepted yet (acceptClientInvitation): "
            "grants nothing.",
            ClientUserStatus.ACTIVE: "Accepted: the role applies.",
        },
    ),
    MerchantRole: (
        "A merchant user's role at their client.",
        {
            MerchantRole.MERCHANT_OWNER: "Decides on partners' access (approve, decline, "
            "revoke, access codes) and manages the merchant staff.",
            MerchantRole.MERCHANT_STAFF: "Reads what the merchant may read; decides nothing.",
        },
    ),
    AssignmentRole: (
        "How a team member works on a client.",
        {
            AssignmentRole.LEAD: "Leads the client's work; listed first in `assignees`.",
            AssignmentRole.CONTRIBUTOR: "Works on the client with the lead (assignMember's "
            "default).",
        },
    ),
    PartnerRole: (
        "A team member's role in a partner; it decides what they may see and do.",
        {
            PartnerRole.OWNER: "Everything an admin may do, and makes or removes owners. A team "
            "always keeps one active owner.",
            PartnerRole.ADMIN: "Manages the team (except owners), workflow templates and every "
            "client of the partner.",
            PartnerRole.MANAGER: "Works on every client of the partner, assigns members to "
            "clients and manages workflow templates.",
            PartnerRole.SPECIALIST: "Works only on the clients assigned to them; may onboard "
            "clients (and is then assigned as lead).",
        },
    ),
    MemberStatus: (
        "Whether a team membership is in force.",
        {
            MemberStatus.INVITED: "Invited, not accepted yet (acceptInvitation): grants no access.",
            MemberStatus.ACTIVE: "Accepted: the role applies.",
        },
    ),
    PartnerTier: (
        "The partner's tier in the ShopIQ partner program, lowest first.",
        {
            PartnerTier.REGISTERED: "Entry tier; every partner starts here.",
            PartnerTier.SILVER: "Second tier.",
            PartnerTier.GOLD: "Third tier.",
            PartnerTier.PLATINUM: "Top tier.",
        },
    ),
    DomainStatus: (
        "The store's custom domain. Moves: NOT_CONNECTED -> PENDING_DNS -> VERIFIED or FAILED "
        "(verify again from FAILED); disconnect from any.",
        {
            DomainStatus.NOT_CONNECTED: "No custom domain; the store is at its ShopIQ subdomain.",
            DomainStatus.PENDING_DNS: "Connected; waiting for the merchant to publish the DNS "
            "records and for verifyStoreDomain.",
            DomainStatus.VERIFIED: "The TXT record checked out; shoppers go to the custom domain.",
            DomainStatus.FAILED: "The last check did not find the TXT record (see "
            "`failureReason`); verify again or disconnect.",
        },
    ),
    PaymentStatus: (
        "The store's payments. Moves: NOT_STARTED -> KYC_PENDING -> ACTIVE or REJECTED; "
        "REJECTED or ACTIVE -> KYC_PENDING.",
        {
            PaymentStatus.NOT_STARTED: "No payment provider set up yet.",
            PaymentStatus.KYC_PENDING: "The provider is verifying the business; also required "
            "when switching provider.",
            PaymentStatus.ACTIVE: "The store takes payments.",
            PaymentStatus.REJECTED: "The provider refused the business (see `rejectionReason`); "
            "go back to KYC_PENDING to try again.",
        },
    ),
    PaymentProvider: (
        "The payment service that processes the store's payments.",
        {
            PaymentProvider.STRIPE: "Stripe.",
            PaymentProvider.PAYPAL: "PayPal.",
            PaymentProvider.ADYEN: "Adyen.",
            PaymentProvider.MOLLIE: "Mollie.",
            PaymentProvider.RAZORPAY: "Razorpay.",
            PaymentProvider.SQUARE: "Square.",
        },
    ),
    LogisticsStatus: (
        "The store's shipping. Moves: NOT_STARTED -> CONFIGURED -> ACTIVE, and back one step.",
        {
            LogisticsStatus.NOT_STARTED: "Shipping is not set up.",
            LogisticsStatus.CONFIGURED: "Provider, zones and methods are set up; not switched on "
            "yet.",
            LogisticsStatus.ACTIVE: "Shipping is switched on.",
        },
    ),
    CatalogStatus: (
        "The store's product catalog. Moves: EMPTY -> IMPORTING -> READY or FAILED; import "
        "again from READY or FAILED.",
        {
            CatalogStatus.EMPTY: "No products imported yet.",
            CatalogStatus.IMPORTING: "An import is under way.",
            CatalogStatus.READY: "Imported, with at least one product.",
            CatalogStatus.FAILED: "The import failed (see `failureReason`); import again.",
        },
    ),
    LaunchStatus: (
        "Whether the store is open to shoppers.",
        {
            LaunchStatus.NOT_LAUNCHED: "Not live yet; launchStore sets it live once nothing "
            "blocks it.",
            LaunchStatus.LIVE: "Live since `launchedAt`; final.",
            LaunchStatus.PAUSED: "Taken offline. Not set through this API, and launchStore "
            "cannot relaunch it.",
        },
    ),
    KycStatus: (
        "Business verification (KYC) of the merchant. Moves: NOT_STARTED -> SUBMITTED -> "
        "VERIFIED or REJECTED; REJECTED -> SUBMITTED.",
        {
            KycStatus.NOT_STARTED: "Nothing submitted yet.",
            KycStatus.SUBMITTED: "Submitted; awaiting the decision.",
            KycStatus.VERIFIED: "The business is verified; final.",
            KycStatus.REJECTED: "Verification refused; submit again.",
        },
    ),
    TaxStatus: (
        "The merchant's tax registration. Moves: NOT_STARTED -> PENDING -> REGISTERED; EXEMPT "
        "from NOT_STARTED or PENDING; EXEMPT -> PENDING.",
        {
            TaxStatus.NOT_STARTED: "Registration not begun.",
            TaxStatus.PENDING: "Registration applied for.",
            TaxStatus.REGISTERED: "Registered; final.",
            TaxStatus.EXEMPT: "Not required to register; counts as done for the launch.",
        },
    ),
    Responsible: (
        "Who takes care of a compliance step.",
        {
            Responsible.MERCHANT: "The merchant (the default).",
            Responsible.PARTNER: "The partner, on the merchant's behalf.",
        },
    ),
    TaskCategory: (
        "What area of the store set-up a task belongs to; a label for grouping and filtering.",
        {
            TaskCategory.DOMAIN: "Custom domain and DNS.",
            TaskCategory.PAYMENTS: "Payment provider and KYC.",
            TaskCategory.LOGISTICS: "Shipping provider, zones and methods.",
            TaskCategory.CATALOG: "Products and the catalog import.",
            TaskCategory.DESIGN: "Theme, logo and look.",
            TaskCategory.CONTENT: "Pages, policies and copy.",
            TaskCategory.LAUNCH: "Going live.",
            TaskCategory.OTHER: "Anything else; the default.",
        },
    ),
    TaskStatus: (
        "Where a task stands. TODO, IN_PROGRESS and BLOCKED are open and move freely among "
        "each other (updateTask); DONE only through completeTask and back through reopenTask.",
        {
            TaskStatus.TODO: "Open, not started; new tasks start here.",
            TaskStatus.IN_PROGRESS: "Being worked on.",
            TaskStatus.BLOCKED: "Open, waiting on something.",
            TaskStatus.DONE: "Completed (see `completedAt`); reopenTask sets it back to TODO.",
        },
    ),
    ErrorCode: (
        "Why a mutation refused its input; `message` says it in words.",
        {
            ErrorCode.INVALID: "The value is malformed or breaks a rule; the message says which.",
            ErrorCode.REQUIRED: "A value is missing or blank.",
            ErrorCode.TOO_LONG: "Too long (text) or too many (list items); the message gives "
            "the limit.",
            ErrorCode.TAKEN: "Already in use, e.g. a subdomain, a domain, a template name, a "
            "team member's email or an assignment.",
            ErrorCode.NOT_FOUND: "No such object, or one the viewer may not see (the two look "
            "the same).",
            ErrorCode.FORBIDDEN: "The viewer sees the object, but their role does not allow this.",
            ErrorCode.CONFLICT: "The `version` given is stale: someone changed the object "
            "meanwhile. Nothing was saved; reload and try again.",
            ErrorCode.INVALID_TRANSITION: "The status cannot move from its current value to the "
            "one asked for; the message lists the allowed moves.",
            ErrorCode.NOT_READY: "The store cannot launch yet: one error per launch blocker.",
            ErrorCode.LAST_OWNER: "The team's last active owner cannot step down or leave.",
            ErrorCode.IDEMPOTENCY_KEY_REUSED: "The `Idempotency-Key` was already used by this "
            "user for another request (another document or variables) in the last 24 hours. "
            "Nothing ran; send a new key.",
            ErrorCode.IDEMPOTENCY_KEY_INVALID: "The `Idempotency-Key` header is not 1 to 255 "
            "printable ASCII characters without spaces. Nothing ran.",
            ErrorCode.LIMIT_REACHED: "There are as many as there may be (e.g. a partner's "
            "webhook endpoints); the message gives the limit.",
            ErrorCode.ENDPOINT_DISABLED: "The webhook endpoint is disabled: enable it first.",
        },
    ),
    BlockerCode: (
        "What keeps a store from launching.",
        {
            BlockerCode.ALREADY_LIVE: "The store is already live.",
            BlockerCode.NO_STORE: "The client has no store.",
            BlockerCode.DOMAIN_NOT_VERIFIED: "A custom domain is connected but not verified: "
            "verify or disconnect it (the subdomain alone is fine).",
            BlockerCode.PAYMENTS_NOT_ACTIVE: "Payments are not ACTIVE.",
            BlockerCode.LOGISTICS_NOT_ACTIVE: "Shipping is not ACTIVE.",
            BlockerCode.CATALOG_NOT_READY: "The catalog is not READY or has no products.",
            BlockerCode.TEMPLATE_DEFAULTS: "No logo, or the theme is not customised.",
            BlockerCode.POLICIES_UNPUBLISHED: "The refund, shipping, privacy or terms of service "
            "policy is unpublished.",
            BlockerCode.KYC_NOT_VERIFIED: "Business verification (KYC) is not VERIFIED.",
            BlockerCode.TAX_NOT_REGISTERED: "Tax registration is neither REGISTERED nor EXEMPT.",
            BlockerCode.BLOCKING_TASKS_OPEN: "Launch-blocking tasks of the client's current "
            "partner are still open.",
        },
    ),
    # The client relationship.
    Visibility: (
        "Who sees a communication, time entry or document.",
        {
            Visibility.INTERNAL: "The partner's team only: never shown to the merchant, nor to "
            "a later partner of the client.",
            Visibility.SHARED: "The merchant's users too, and any partner that works on the "
            "client later.",
        },
    ),
    CommunicationKind: (
        "What kind of contact an entry of the communication log records.",
        {
            CommunicationKind.NOTE: "A note (the partner's default).",
            CommunicationKind.EMAIL: "An email sent or received.",
            CommunicationKind.CALL: "A phone or video call.",
            CommunicationKind.MEETING: "A meeting.",
            CommunicationKind.MESSAGE: "A message (the merchant's default).",
        },
    ),
    SupportChannel: (
        "A way the merchant reaches support.",
        {
            SupportChannel.EMAIL: "Email.",
            SupportChannel.PHONE: "Phone.",
            SupportChannel.CHAT: "Chat.",
        },
    ),
    DocumentKind: (
        "What a client document is.",
        {
            DocumentKind.HANDOVER: "Handover notes: what the merchant needs to run the store.",
            DocumentKind.CONTRACT: "A contract or statement of work.",
            DocumentKind.GUIDE: "A how-to guide.",
            DocumentKind.TRAINING: "Training material.",
            DocumentKind.PROCEDURE: "An operating procedure.",
            DocumentKind.OTHER: "Anything else.",
        },
    ),
    KeepAccess: (
        "What the partner keeps when the merchant hands the client over.",
        {
            KeepAccess.NONE: "Nothing: the partner's access ends.",
            KeepAccess.SUPPORT: "Support only: the access narrows to the SUPPORT scope.",
        },
    ),
}


def _register(vocabulary: type[StrEnum], name: str | None = None) -> None:
    description, values = DESCRIPTIONS.get(vocabulary, (None, {}))
    strawberry.enum(vocabulary, name=name, description=description)
    definition: StrawberryEnumDefinition = vocabulary.__strawberry_definition__  # type: ignore[attr-defined]  # set by strawberry.enum
    for value in definition.values:
        value.description = values.get(value.value)


def register_enums(enums: Mapping[type[StrEnum], tuple[str, dict[str, str]]]) -> None:
    """Registers a domain module's own vocabularies: each with its description and one per
    value (a value without one fails at import, before the schema is built)."""
    for vocabulary, (description, values) in enums.items():
        strawberry.enum(vocabulary, description=description)
        definition: StrawberryEnumDefinition = vocabulary.__strawberry_definition__  # type: ignore[attr-defined]  # set by strawberry.enum
        for value in definition.values:
            value.description = values[value.value]


# Every vocabulary of the models; those no field uses stay out of the SDL.
for vocabulary in vars(db_enums).values():
    if (
        isinstance(vocabulary, type)
        and issubclass(vocabulary, StrEnum)
        and vocabulary is not StrEnum
    ):
        _register(vocabulary)
_register(ErrorCode, name="UserErrorCode")
_register(BlockerCode, name="LaunchBlockerCode")

__all__ = [
    "AccessScope",
    "AccessStatus",
    "AssignmentRole",
    "BlockerCode",
    "CatalogStatus",
    "ClientStatus",
    "ClientUserStatus",
    "CommunicationKind",
    "DocumentKind",
    "DomainStatus",
    "ErrorCode",
    "KeepAccess",
    "KycStatus",
    "LaunchStatus",
    "LogisticsStatus",
    "MemberStatus",
    "MerchantRole",
    "PartnerRole",
    "PartnerTier",
    "PaymentProvider",
    "PaymentStatus",
    "Responsible",
    "SupportChannel",
    "TaskCategory",
    "TaskStatus",
    "TaxStatus",
    "Visibility",
]
