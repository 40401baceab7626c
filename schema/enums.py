"""GraphQL enums: the database vocabularies, registered once with Strawberry. Registration marks
the classes themselves, so the schema annotates fields with these very classes."""

from enum import StrEnum

import strawberry

from db import enums as db_enums
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

# Every vocabulary of the models; those no field uses stay out of the SDL.
for vocabulary in vars(db_enums).values():
    if (
        isinstance(vocabulary, type)
        and issubclass(vocabulary, StrEnum)
        and vocabulary is not StrEnum
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
