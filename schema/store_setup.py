"""One mutation per store set-up section; each is a validated transition of its section."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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


@strawberry.type
class StorePayload:
    store: Store | None
    user_errors: list[UserError]


def _payload(outcome: Outcome[models.Store]) -> StorePayload:
    return StorePayload(
        store=Store.maybe(outcome.value),
        user_errors=user_errors(outcome.problems),
    )


@strawberry.input
class ConnectDomainInput:
    store_id: strawberry.ID
    version: int
    hostname: str


@strawberry.input
class StoreVersionInput:
    store_id: strawberry.ID
    version: int


@strawberry.input
class UpdateStorePaymentsInput:
    store_id: strawberry.ID
    version: int
    status: PaymentStatus = sets("payment_status")
    provider: PaymentProvider | None = sets("payment_provider", default=None)
    rejection_reason: str | None = sets("payment_rejection_reason", default=None)


@strawberry.input
class UpdateStoreLogisticsInput:
    store_id: strawberry.ID
    version: int
    status: LogisticsStatus = sets("logistics_status")
    provider: str | None = sets("logistics_provider", default=None)
    shipping_zone_count: int | None = None
    shipping_method_count: int | None = None


@strawberry.input
class UpdateStoreCatalogInput:
    store_id: strawberry.ID
    version: int
    status: CatalogStatus = sets("catalog_status")
    product_count: int | None = None
    category_count: int | None = None
    failure_reason: str | None = sets("catalog_failure_reason", default=None)


@strawberry.input(description="Only the fields given change.")
class UpdateStoreBrandInput:
    store_id: strawberry.ID
    version: int
    logo_url: str | None = strawberry.field(default=None, description="https:// address.")
    clear_logo: bool = clears("logo_url")
    theme: str | None = strawberry.field(
        default=None, description="A new theme starts from its defaults (not customised)."
    )
    theme_customized: bool | None = None
    refund_policy_published: bool | None = None
    shipping_policy_published: bool | None = None
    privacy_policy_published: bool | None = None
    terms_policy_published: bool | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateStoreComplianceInput:
    store_id: strawberry.ID
    version: int
    kyc_status: KycStatus | None = None
    kyc_responsible: Responsible | None = None
    tax_status: TaxStatus | None = None
    tax_responsible: Responsible | None = None


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
    @strawberry.mutation(description="Connect a custom domain: pending until its DNS verifies.")
    async def connect_store_domain(self, info: Info, input: ConnectDomainInput) -> StorePayload:
        return _payload(
            await store_setup.connect_domain(
                info.context, id_of(input.store_id, "Store"), input.version, input.hostname
            )
        )

    @strawberry.mutation(description="Look up the domain's TXT record now: verified or failed.")
    async def verify_store_domain(self, info: Info, input: StoreVersionInput) -> StorePayload:
        return _payload(
            await store_setup.verify_domain(
                info.context, id_of(input.store_id, "Store"), input.version, info.context.dns
            )
        )

    @strawberry.mutation(description="Disconnect the custom domain; the subdomain keeps working.")
    async def disconnect_store_domain(self, info: Info, input: StoreVersionInput) -> StorePayload:
        return _payload(
            await store_setup.disconnect_domain(
                info.context, id_of(input.store_id, "Store"), input.version
            )
        )

    @strawberry.mutation
    async def update_store_payments(
        self, info: Info, input: UpdateStorePaymentsInput
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_payments)

    @strawberry.mutation
    async def update_store_logistics(
        self, info: Info, input: UpdateStoreLogisticsInput
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_logistics)

    @strawberry.mutation
    async def update_store_catalog(
        self, info: Info, input: UpdateStoreCatalogInput
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_catalog)

    @strawberry.mutation
    async def update_store_brand(self, info: Info, input: UpdateStoreBrandInput) -> StorePayload:
        return await _section(info, input, store_setup.update_brand)

    @strawberry.mutation
    async def update_store_compliance(
        self, info: Info, input: UpdateStoreComplianceInput
    ) -> StorePayload:
        return await _section(info, input, store_setup.update_compliance)
