"""One mutation per store set-up section; each is a validated transition of its section."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from db import models
from resolvers import store_setup
from resolvers.changes import Changes
from resolvers.context import Context
from resolvers.mutations import Outcome
from schema.enums import (
    CatalogStatus,
    KycStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaxStatus,
)
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.inputs import changes_of, clears, sets
from schema.relay import id_of
from schema.stores import Store


@strawberry.type(description="The result of a store set-up mutation.")
class StorePayload:
    store: Store | None = strawberry.field(
        description="The store as saved; null when the mutation was refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was saved; empty on success."
    )


def _payload(outcome: Outcome[models.Store]) -> StorePayload:
    return StorePayload(
        store=Store.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


@strawberry.input(description="A custom domain to connect to a store.")
class ConnectDomainInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    hostname: str = strawberry.field(
        description="Bare hostname, e.g. shop.example.com (no scheme or path; not a "
        "myshopiq.com name); trimmed and lower-cased."
    )


@strawberry.input(description="A store at the version the caller last saw.")
class StoreVersionInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )


@strawberry.input(description="The payments section's next state.")
class UpdateStorePaymentsInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    status: PaymentStatus = sets(
        "payment_status", description="The new status; must be an allowed move (or unchanged)."
    )
    provider: PaymentProvider | None = sets(
        "payment_provider",
        default=None,
        description="Null keeps the current one; required once past NOT_STARTED. A different "
        "provider than the current one needs status KYC_PENDING.",
    )
    rejection_reason: str | None = sets(
        "payment_rejection_reason",
        default=None,
        description="Required with status REJECTED (at most 500 characters); dropped otherwise.",
    )


@strawberry.input(
    description="The shipping section's next state. Past NOT_STARTED it needs a provider, at "
    "least one zone and one method."
)
class UpdateStoreLogisticsInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    status: LogisticsStatus = sets(
        "logistics_status", description="The new status; must be an allowed move (or unchanged)."
    )
    provider: str | None = sets(
        "logistics_provider",
        default=None,
        description="Provider name, free text (at most 100 characters); null keeps the current "
        "one.",
    )
    shipping_zone_count: int | None = strawberry.field(
        default=None, description="0 to 10,000,000; null keeps the current count."
    )
    shipping_method_count: int | None = strawberry.field(
        default=None, description="0 to 10,000,000; null keeps the current count."
    )


@strawberry.input(description="The catalog section's next state.")
class UpdateStoreCatalogInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    status: CatalogStatus = sets(
        "catalog_status", description="The new status; must be an allowed move (or unchanged)."
    )
    product_count: int | None = strawberry.field(
        default=None,
        description="0 to 10,000,000, at least 1 for READY; null keeps the current count.",
    )
    category_count: int | None = strawberry.field(
        default=None, description="0 to 10,000,000; null keeps the current count."
    )
    failure_reason: str | None = sets(
        "catalog_failure_reason",
        default=None,
        description="Required with status FAILED (at most 500 characters); dropped otherwise.",
    )


@strawberry.input(description="Only the fields given change.")
class UpdateStoreBrandInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    logo_url: str | None = strawberry.field(
        default=None, description="https:// address of the logo (at most 2048 characters)."
    )
    clear_logo: bool = clears("logo_url", description="True removes the logo.")
    theme: str | None = strawberry.field(
        default=None,
        description="Theme name: 2-63 letters, digits and hyphens, not starting with a hyphen; "
        "stored lower-case. A different theme starts from its defaults (not customised).",
    )
    theme_customized: bool | None = strawberry.field(
        default=None, description="The theme was adapted to the brand."
    )
    refund_policy_published: bool | None = strawberry.field(
        default=None, description="The refund policy is published."
    )
    shipping_policy_published: bool | None = strawberry.field(
        default=None, description="The shipping policy is published."
    )
    privacy_policy_published: bool | None = strawberry.field(
        default=None, description="The privacy policy is published."
    )
    terms_policy_published: bool | None = strawberry.field(
        default=None, description="The terms of service are published."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateStoreComplianceInput:
    store_id: strawberry.ID = strawberry.field(description="The Store's id.")
    version: int = strawberry.field(
        description="The store's current `version`; a stale one is a CONFLICT."
    )
    kyc_status: KycStatus | None = strawberry.field(
        default=None, description="The new KYC status; must be an allowed move (or unchanged)."
    )
    kyc_responsible: Responsible | None = strawberry.field(
        default=None, description="Who takes care of the KYC."
    )
    tax_status: TaxStatus | None = strawberry.field(
        default=None, description="The new tax status; must be an allowed move (or unchanged)."
    )
    tax_responsible: Responsible | None = strawberry.field(
        default=None, description="Who takes care of the tax registration."
    )


SectionInput = (
    UpdateStorePaymentsInput
    | UpdateStoreLogisticsInput
    | UpdateStoreCatalogInput
    | UpdateStoreBrandInput
    | UpdateStoreComplianceInput
)
SectionService = Callable[[Context, int | None, int, Changes], Awaitable[Outcome[models.Store]]]


async def _section(info: Info, input: SectionInput, service: SectionService) -> StorePayload:
    """Every section mutation hands over the same way: the store, its version, the changes."""
    changes = changes_of(input, skip=["store_id", "version"])
    return _payload(
        await service(info.context, id_of(input.store_id, "Store"), input.version, changes)
    )


@strawberry.type
class StoreSetupMutation:
    @strawberry.mutation(
        description="Connect a custom domain: status PENDING_DNS, and `domain.records` lists "
        "what the merchant must publish. Connecting again replaces the hostname and its records. "
        "Refused for an invalid hostname or a myshopiq.com name (INVALID), one connected to "
        "another store (TAKEN), or while a domain is verified (INVALID_TRANSITION: disconnect "
        "it first)."
    )
    async def connect_store_domain(
        self,
        info: Info,
        input: Annotated[
            ConnectDomainInput, strawberry.argument(description="The store and the hostname.")
        ],
    ) -> StorePayload:
        return _payload(
            await store_setup.connect_domain(
                info.context, id_of(input.store_id, "Store"), input.version, input.hostname
            )
        )

    @strawberry.mutation(
        description="Look up the domain's TXT record now: VERIFIED if it holds the expected "
        "value, else FAILED with `failureReason`. Refused (INVALID_TRANSITION) unless a domain "
        "is connected and not yet verified."
    )
    async def verify_store_domain(
        self,
        info: Info,
        input: Annotated[
            StoreVersionInput, strawberry.argument(description="The store to verify.")
        ],
    ) -> StorePayload:
        return _payload(
            await store_setup.verify_domain(
                info.context, id_of(input.store_id, "Store"), input.version, info.context.dns
            )
        )

    @strawberry.mutation(
        description="Disconnect the custom domain (status NOT_CONNECTED); the subdomain keeps "
        "working."
    )
    async def disconnect_store_domain(
        self,
        info: Info,
        input: Annotated[
            StoreVersionInput, strawberry.argument(description="The store to disconnect.")
        ],
    ) -> StorePayload:
        return _payload(
            await store_setup.disconnect_domain(
                info.context, id_of(input.store_id, "Store"), input.version
            )
        )

    @strawberry.mutation(
        description="Move payments to a new status and choose the provider. Refused: a move "
        "PaymentStatus does not allow, or a new provider without KYC_PENDING "
        "(INVALID_TRANSITION); no provider past NOT_STARTED, or REJECTED without a reason "
        "(REQUIRED)."
    )
    async def update_store_payments(
        self,
        info: Info,
        input: Annotated[
            UpdateStorePaymentsInput,
            strawberry.argument(description="The store and its payments' new state."),
        ],
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_payments)

    @strawberry.mutation(
        description="Move shipping to a new status and set the provider and counts. Refused: a "
        "move LogisticsStatus does not allow (INVALID_TRANSITION); past NOT_STARTED without a "
        "provider (REQUIRED) or without a zone and a method (INVALID)."
    )
    async def update_store_logistics(
        self,
        info: Info,
        input: Annotated[
            UpdateStoreLogisticsInput,
            strawberry.argument(description="The store and its shipping's new state."),
        ],
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_logistics)

    @strawberry.mutation(
        description="Move the catalog to a new status and set its counts. Refused: a move "
        "CatalogStatus does not allow (INVALID_TRANSITION); READY without products (INVALID); "
        "FAILED without a reason (REQUIRED)."
    )
    async def update_store_catalog(
        self,
        info: Info,
        input: Annotated[
            UpdateStoreCatalogInput,
            strawberry.argument(description="The store and its catalog's new state."),
        ],
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_catalog)

    @strawberry.mutation(
        description="Set the logo, theme and published policies; only the fields given change. "
        "Refused (INVALID): a logo address that is not https://, or a malformed theme name."
    )
    async def update_store_brand(
        self,
        info: Info,
        input: Annotated[
            UpdateStoreBrandInput,
            strawberry.argument(description="The store and the brand fields to change."),
        ],
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_brand)

    @strawberry.mutation(
        description="Move business verification (KYC) and tax registration, and set who takes "
        "care of each; only the fields given change. Refused (INVALID_TRANSITION): a move "
        "KycStatus or TaxStatus does not allow."
    )
    async def update_store_compliance(
        self,
        info: Info,
        input: Annotated[
            UpdateStoreComplianceInput,
            strawberry.argument(description="The store and the compliance fields to change."),
        ],
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_compliance)
