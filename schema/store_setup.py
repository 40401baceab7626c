"""Store set-up sections as objects on Store, and one mutation per section."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from resolvers import store_setup
from resolvers.mutations import Outcome
from schema.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaxStatus,
)
from schema.errors import UserError
from schema.relay import id_of
from schema.types import Info, Store


@strawberry.type(description="A DNS record the merchant must publish.")
class DnsRecord:
    type: str
    name: str
    value: str
    purpose: str


@strawberry.type(description="Custom domain; the ShopIQ subdomain always works.")
class StoreDomain:
    hostname: str | None
    status: DomainStatus  # type: ignore[valid-type]
    records: list[DnsRecord]
    failure_reason: str | None
    checked_at: datetime | None
    subdomain_url: str


@strawberry.type
class StorePayments:
    provider: PaymentProvider | None  # type: ignore[valid-type]
    status: PaymentStatus  # type: ignore[valid-type]
    rejection_reason: str | None


@strawberry.type
class StoreLogistics:
    provider: str | None
    status: LogisticsStatus  # type: ignore[valid-type]
    shipping_zone_count: int
    shipping_method_count: int


@strawberry.type
class StoreCatalog:
    status: CatalogStatus  # type: ignore[valid-type]
    product_count: int
    category_count: int
    failure_reason: str | None


@strawberry.type(description="Brand and policies: a store on template defaults cannot launch.")
class StoreBrand:
    logo_url: str | None
    theme: str
    theme_customized: bool
    on_template_defaults: bool
    refund_policy_published: bool
    shipping_policy_published: bool
    privacy_policy_published: bool
    terms_policy_published: bool


@strawberry.type(description="The merchant's business verification and tax registration.")
class StoreCompliance:
    kyc_status: KycStatus  # type: ignore[valid-type]
    kyc_responsible: Responsible  # type: ignore[valid-type]
    tax_status: TaxStatus  # type: ignore[valid-type]
    tax_responsible: Responsible  # type: ignore[valid-type]


def domain_of(row: models.Store) -> StoreDomain:
    return StoreDomain(
        hostname=row.custom_domain,
        status=row.domain_status,
        records=[
            DnsRecord(type=r.type, name=r.name, value=r.value, purpose=r.purpose)
            for r in store_setup.dns_records(row)
        ],
        failure_reason=row.domain_failure_reason,
        checked_at=row.domain_checked_at,
        subdomain_url=f"https://{row.subdomain}.{store_setup.STORE_HOST}",
    )


def payments_of(row: models.Store) -> StorePayments:
    return StorePayments(
        provider=row.payment_provider,
        status=row.payment_status,
        rejection_reason=row.payment_rejection_reason,
    )


def logistics_of(row: models.Store) -> StoreLogistics:
    return StoreLogistics(
        provider=row.logistics_provider,
        status=row.logistics_status,
        shipping_zone_count=row.shipping_zone_count,
        shipping_method_count=row.shipping_method_count,
    )


def catalog_of(row: models.Store) -> StoreCatalog:
    return StoreCatalog(
        status=row.catalog_status,
        product_count=row.product_count,
        category_count=row.category_count,
        failure_reason=row.catalog_failure_reason,
    )


def brand_of(row: models.Store) -> StoreBrand:
    return StoreBrand(
        logo_url=row.logo_url,
        theme=row.theme,
        theme_customized=row.theme_customized,
        on_template_defaults=not (row.logo_url and row.theme_customized),
        refund_policy_published=row.refund_policy_published,
        shipping_policy_published=row.shipping_policy_published,
        privacy_policy_published=row.privacy_policy_published,
        terms_policy_published=row.terms_policy_published,
    )


def compliance_of(row: models.Store) -> StoreCompliance:
    return StoreCompliance(
        kyc_status=row.kyc_status,
        kyc_responsible=row.kyc_responsible,
        tax_status=row.tax_status,
        tax_responsible=row.tax_responsible,
    )


# --- Mutations ---------------------------------------------------------------------------------


@strawberry.type
class StorePayload:
    store: Store | None
    user_errors: list[UserError]


def _payload(outcome: Outcome[models.Store]) -> StorePayload:
    return StorePayload(
        store=Store.of(outcome.value) if outcome.value is not None else None,
        user_errors=[UserError.of(p) for p in outcome.problems],
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
    status: PaymentStatus  # type: ignore[valid-type]
    provider: PaymentProvider | None = None  # type: ignore[valid-type]
    rejection_reason: str | None = None


@strawberry.input
class UpdateStoreLogisticsInput:
    store_id: strawberry.ID
    version: int
    status: LogisticsStatus  # type: ignore[valid-type]
    provider: str | None = None
    shipping_zone_count: int | None = None
    shipping_method_count: int | None = None


@strawberry.input
class UpdateStoreCatalogInput:
    store_id: strawberry.ID
    version: int
    status: CatalogStatus  # type: ignore[valid-type]
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
    kyc_status: KycStatus | None = None  # type: ignore[valid-type]
    kyc_responsible: Responsible | None = None  # type: ignore[valid-type]
    tax_status: TaxStatus | None = None  # type: ignore[valid-type]
    tax_responsible: Responsible | None = None  # type: ignore[valid-type]


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
