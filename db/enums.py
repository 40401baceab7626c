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
