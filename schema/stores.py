"""The client's store and its set-up sections (views over the store row)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db import models
from resolvers import queries, storefront
from schema.enums import (
    CatalogStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaxStatus,
)
from schema.relay import Node, RowType, node


@strawberry.type(description="A DNS record the merchant must publish.")
class DnsRecord:
    type: str
    name: str
    value: str
    purpose: str


@strawberry.type(description="Custom domain; the ShopIQ subdomain always works.")
class StoreDomain:
    hostname: str | None
    status: DomainStatus
    records: list[DnsRecord]
    failure_reason: str | None
    checked_at: datetime | None
    subdomain_url: str


@strawberry.type
class StorePayments:
    provider: PaymentProvider | None
    status: PaymentStatus
    rejection_reason: str | None


@strawberry.type
class StoreLogistics:
    provider: str | None
    status: LogisticsStatus
    shipping_zone_count: int
    shipping_method_count: int


@strawberry.type
class StoreCatalog:
    status: CatalogStatus
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
    kyc_status: KycStatus
    kyc_responsible: Responsible
    tax_status: TaxStatus
    tax_responsible: Responsible


@node(queries.get_store)
@strawberry.type(description="The client's one ShopIQ website and the state of its set-up.")
class Store(RowType, Node):
    id: strawberry.ID
    name: str
    subdomain: str
    custom_domain: str | None
    domain_status: DomainStatus
    payment_status: PaymentStatus
    logistics_status: LogisticsStatus
    catalog_status: CatalogStatus
    launch_status: LaunchStatus
    launched_at: datetime | None
    version: int
    _row: strawberry.Private[models.Store]

    @strawberry.field
    def domain(self) -> StoreDomain:
        row = self._row
        return StoreDomain(
            hostname=row.custom_domain,
            status=row.domain_status,
            records=[
                DnsRecord(type=r.type, name=r.name, value=r.value, purpose=r.purpose)
                for r in storefront.dns_records(row)
            ],
            failure_reason=row.domain_failure_reason,
            checked_at=row.domain_checked_at,
            subdomain_url=storefront.subdomain_url(row),
        )

    @strawberry.field
    def payments(self) -> StorePayments:
        row = self._row
        return StorePayments(
            provider=row.payment_provider,
            status=row.payment_status,
            rejection_reason=row.payment_rejection_reason,
        )

    @strawberry.field
    def logistics(self) -> StoreLogistics:
        row = self._row
        return StoreLogistics(
            provider=row.logistics_provider,
            status=row.logistics_status,
            shipping_zone_count=row.shipping_zone_count,
            shipping_method_count=row.shipping_method_count,
        )

    @strawberry.field
    def catalog(self) -> StoreCatalog:
        row = self._row
        return StoreCatalog(
            status=row.catalog_status,
            product_count=row.product_count,
            category_count=row.category_count,
            failure_reason=row.catalog_failure_reason,
        )

    @strawberry.field(description="Logo, theme and published policies.")
    def brand(self) -> StoreBrand:
        row = self._row
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

    @strawberry.field(description="Business verification and tax registration.")
    def compliance(self) -> StoreCompliance:
        row = self._row
        return StoreCompliance(
            kyc_status=row.kyc_status,
            kyc_responsible=row.kyc_responsible,
            tax_status=row.tax_status,
            tax_responsible=row.tax_responsible,
        )

    @strawberry.field(
        description="Where shoppers go: the verified custom domain, else the subdomain."
    )
    def url(self) -> str:
        return storefront.store_url(self._row)
