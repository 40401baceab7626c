"""GraphQL enums: the database vocabularies, registered once with Strawberry. Registration marks
the classes themselves, so the schema annotates fields with these very classes."""

import strawberry

from db.enums import (
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    PartnerRole,
    PartnerTier,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaskCategory,
    TaskStatus,
    TaxStatus,
)
from resolvers.problems import ErrorCode
from resolvers.readiness import BlockerCode

for vocabulary in (
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    PartnerRole,
    PartnerTier,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaskCategory,
    TaskStatus,
    TaxStatus,
):
    strawberry.enum(vocabulary)
strawberry.enum(ErrorCode, name="UserErrorCode")
strawberry.enum(BlockerCode, name="LaunchBlockerCode")

__all__ = [
    "AssignmentRole",
    "BlockerCode",
    "CatalogStatus",
    "ClientStatus",
    "DomainStatus",
    "ErrorCode",
    "KycStatus",
    "LaunchStatus",
    "LogisticsStatus",
    "MemberStatus",
    "PartnerRole",
    "PartnerTier",
    "PaymentProvider",
    "PaymentStatus",
    "Responsible",
    "TaskCategory",
    "TaskStatus",
    "TaxStatus",
]
