"""State machines of the store set-up sections: which moves are allowed, checked in one place."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from db.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LogisticsStatus,
    PaymentStatus,
    TaxStatus,
)
from resolvers.problems import ErrorCode, refuse

S = TypeVar("S", bound=StrEnum)

DOMAIN: Mapping[DomainStatus, frozenset[DomainStatus]] = {
    DomainStatus.NOT_CONNECTED: frozenset({DomainStatus.PENDING_DNS}),
    DomainStatus.PENDING_DNS: frozenset(
        {DomainStatus.VERIFIED, DomainStatus.FAILED, DomainStatus.NOT_CONNECTED}
    ),
    DomainStatus.FAILED: frozenset(
        {
            DomainStatus.PENDING_DNS,
            DomainStatus.VERIFIED,
            DomainStatus.FAILED,
            DomainStatus.NOT_CONNECTED,
        }
    ),
    DomainStatus.VERIFIED: frozenset({DomainStatus.NOT_CONNECTED}),
}
PAYMENTS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.NOT_STARTED: frozenset({PaymentStatus.KYC_PENDING}),
    PaymentStatus.KYC_PENDING: frozenset({PaymentStatus.ACTIVE, PaymentStatus.REJECTED}),
    PaymentStatus.REJECTED: frozenset({PaymentStatus.KYC_PENDING}),
    PaymentStatus.ACTIVE: frozenset({PaymentStatus.KYC_PENDING}),  # switching provider
}
LOGISTICS: Mapping[LogisticsStatus, frozenset[LogisticsStatus]] = {
    LogisticsStatus.NOT_STARTED: frozenset({LogisticsStatus.CONFIGURED}),
    LogisticsStatus.CONFIGURED: frozenset({LogisticsStatus.ACTIVE, LogisticsStatus.NOT_STARTED}),
    LogisticsStatus.ACTIVE: frozenset({LogisticsStatus.CONFIGURED}),
}
CATALOG: Mapping[CatalogStatus, frozenset[CatalogStatus]] = {
    CatalogStatus.EMPTY: frozenset({CatalogStatus.IMPORTING}),
    CatalogStatus.IMPORTING: frozenset({CatalogStatus.READY, CatalogStatus.FAILED}),
    CatalogStatus.FAILED: frozenset({CatalogStatus.IMPORTING}),
    CatalogStatus.READY: frozenset({CatalogStatus.IMPORTING}),
}
KYC: Mapping[KycStatus, frozenset[KycStatus]] = {
    KycStatus.NOT_STARTED: frozenset({KycStatus.SUBMITTED}),
    KycStatus.SUBMITTED: frozenset({KycStatus.VERIFIED, KycStatus.REJECTED}),
    KycStatus.REJECTED: frozenset({KycStatus.SUBMITTED}),
    KycStatus.VERIFIED: frozenset(),
}
TAX: Mapping[TaxStatus, frozenset[TaxStatus]] = {
    TaxStatus.NOT_STARTED: frozenset({TaxStatus.PENDING, TaxStatus.EXEMPT}),
    TaxStatus.PENDING: frozenset({TaxStatus.REGISTERED, TaxStatus.EXEMPT}),
    TaxStatus.REGISTERED: frozenset(),
    TaxStatus.EXEMPT: frozenset({TaxStatus.PENDING}),
}


def move(
    what: str, machine: Mapping[S, frozenset[S]], current: S, target: S, field: tuple[str, ...]
) -> S:
    """`target` if the machine allows current -> target (staying put is always allowed)."""
    if target != current and target not in machine[current]:
        allowed = ", ".join(sorted(s.value for s in machine[current])) or "nothing"
        raise refuse(
            field,
            f"{what} cannot go from {current.value} to {target.value} (from {current.value}: "
            f"{allowed}).",
            ErrorCode.INVALID_TRANSITION,
        )
    return target
