"""One mutation per store set-up section; each is a validated transition of its section."""

from __future__ import annotations

import strawberry

from db import models
from resolvers import store_setup
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
    status: PaymentStatus
    provider: PaymentProvider | None = None
    rejection_reason: str | None = None


@strawberry.input
class UpdateStoreLogisticsInput:
    store_id: strawberry.ID
    version: int
    status: LogisticsStatus
    provider: str | None = None
    shipping_zone_count: int | None = None
    shipping_method_count: int | None = None


@strawberry.input
class UpdateStoreCatalogInput:
    store_id: strawberry.ID
    version: int
    status: CatalogStatus
    product_count: int | None = None
    category_count: int | None = None
    failure_reason: str | None = None


@strawberry.input(description="Only the fields given change.")
class UpdateStoreBrandInput:
    store_id: strawberry.ID
    version: int
    logo_url: str | None = strawberry.field(default=None, description="https:// address.")
    clear_logo: bool = False
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
        change = store_setup.PaymentsChange(
            status=input.status, provider=input.provider, rejection_reason=input.rejection_reason
        )
        return _payload(
            await store_setup.update_payments(
                info.context, id_of(input.store_id, "Store"), input.version, change
            )
        )

    @strawberry.mutation
    async def update_store_logistics(
        self, info: Info, input: UpdateStoreLogisticsInput
    ) -> StorePayload:
        change = store_setup.LogisticsChange(
            status=input.status,
            provider=input.provider,
            shipping_zone_count=input.shipping_zone_count,
            shipping_method_count=input.shipping_method_count,
        )
        return _payload(
            await store_setup.update_logistics(
                info.context, id_of(input.store_id, "Store"), input.version, change
            )
        )

    @strawberry.mutation
    async def update_store_catalog(
        self, info: Info, input: UpdateStoreCatalogInput
    ) -> StorePayload:
        change = store_setup.CatalogChange(
            status=input.status,
            product_count=input.product_count,
            category_count=input.category_count,
            failure_reason=input.failure_reason,
        )
        return _payload(
            await store_setup.update_catalog(
                info.context, id_of(input.store_id, "Store"), input.version, change
            )
        )

    @strawberry.mutation
    async def update_store_brand(self, info: Info, input: UpdateStoreBrandInput) -> StorePayload:
        change = store_setup.BrandChange(
            logo_url=input.logo_url,
            clear_logo=input.clear_logo,
            theme=input.theme,
            theme_customized=input.theme_customized,
            refund_policy_published=input.refund_policy_published,
            shipping_policy_published=input.shipping_policy_published,
            privacy_policy_published=input.privacy_policy_published,
            terms_policy_published=input.terms_policy_published,
        )
        return _payload(
            await store_setup.update_brand(
                info.context, id_of(input.store_id, "Store"), input.version, change
            )
        )

    @strawberry.mutation
    async def update_store_compliance(
        self, info: Info, input: UpdateStoreComplianceInput
    ) -> StorePayload:
        change = store_setup.ComplianceChange(
            kyc_status=input.kyc_status,
            kyc_responsible=input.kyc_responsible,
            tax_status=input.tax_status,
            tax_responsible=input.tax_responsible,
        )
        return _payload(
            await store_setup.update_compliance(
                info.context, id_of(input.store_id, "Store"), input.version, change
            )
        )
