"""Closed vocabularies stored as strings (with CHECK constraints) and exposed as GraphQL enums."""

from enum import StrEnum


class UserStatus(StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    REMOVED = "removed"


class PartnerTier(StrEnum):
    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class PartnerRole(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    SPECIALIST = "specialist"


class MerchantRole(StrEnum):
    MERCHANT_OWNER = "merchant_owner"
    MERCHANT_STAFF = "merchant_staff"


class ClientStatus(StrEnum):
    LEAD = "lead"
    ONBOARDING = "onboarding"
    IMPLEMENTATION = "implementation"
    LIVE = "live"
    CHURNED = "churned"
    HANDED_OVER = "handed_over"


class AccessStatus(StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    REVOKED = "revoked"
    ENDED = "ended"


class AssignmentRole(StrEnum):
    LEAD = "lead"
    CONTRIBUTOR = "contributor"


class DomainStatus(StrEnum):
    NOT_CONNECTED = "not_connected"
    PENDING_DNS = "pending_dns"
    VERIFIED = "verified"
    FAILED = "failed"


class PaymentStatus(StrEnum):
    NOT_STARTED = "not_started"
    KYC_PENDING = "kyc_pending"
    ACTIVE = "active"
    REJECTED = "rejected"


class LogisticsStatus(StrEnum):
    NOT_STARTED = "not_started"
    CONFIGURED = "configured"
    ACTIVE = "active"


class CatalogStatus(StrEnum):
    EMPTY = "empty"
    IMPORTING = "importing"
    READY = "ready"
    FAILED = "failed"


class LaunchStatus(StrEnum):
    NOT_LAUNCHED = "not_launched"
    LIVE = "live"
    PAUSED = "paused"


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


class PaymentProvider(StrEnum):
    STRIPE = "stripe"
    PAYPAL = "paypal"
    ADYEN = "adyen"
    MOLLIE = "mollie"
    RAZORPAY = "razorpay"
    SQUARE = "square"


class KycStatus(StrEnum):
    NOT_STARTED = "not_started"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class TaxStatus(StrEnum):
    NOT_STARTED = "not_started"
    PENDING = "pending"
    REGISTERED = "registered"
    EXEMPT = "exempt"


class Responsible(StrEnum):
    MERCHANT = "merchant"
    PARTNER = "partner"


class TaskCategory(StrEnum):
    DOMAIN = "domain"
    PAYMENTS = "payments"
    LOGISTICS = "logistics"
    CATALOG = "catalog"
    DESIGN = "design"
    CONTENT = "content"
    LAUNCH = "launch"
    OTHER = "other"


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"


class AccessScope(StrEnum):
    FULL = "full"
    IMPLEMENTATION = "implementation"
    SUPPORT = "support"


class ClientUserStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


# --- The client relationship (db/relationship.py) -----------------------------------------


class Visibility(StrEnum):
    INTERNAL = "internal"
    SHARED = "shared"


class CommunicationKind(StrEnum):
    NOTE = "note"
    EMAIL = "email"
    CALL = "call"
    MEETING = "meeting"
    MESSAGE = "message"


class SupportChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"


class DocumentKind(StrEnum):
    HANDOVER = "handover"
    CONTRACT = "contract"
    GUIDE = "guide"
    TRAINING = "training"
    PROCEDURE = "procedure"
    OTHER = "other"


class KeepAccess(StrEnum):
    NONE = "none"
    SUPPORT = "support"
