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
    type: str = strawberry.field(description="Record type: TXT or CNAME.")
    name: str = strawberry.field(
        description="Host name the record is published at, e.g. _shopiq-challenge.shop.example.com."
    )
    value: str = strawberry.field(description="The exact value to publish.")
    purpose: str = strawberry.field(description="What the record does, in words for the merchant.")


@strawberry.type(description="Custom domain; the ShopIQ subdomain always works.")
class StoreDomain:
    hostname: str | None = strawberry.field(
        description="The connected custom domain, lower-case, e.g. shop.example.com; null when "
        "none is connected."
    )
    status: DomainStatus = strawberry.field(description="Where the custom domain stands.")
    records: list[DnsRecord] = strawberry.field(
        description="The DNS records the merchant must publish for the custom domain (a TXT "
        "that proves ownership and a CNAME that routes shoppers); empty when none is connected."
    )
    failure_reason: str | None = strawberry.field(
        description="Why the last verification failed; null unless it failed."
    )
    checked_at: datetime | None = strawberry.field(
        description="When the DNS was last checked (UTC); null before the first check."
    )
    subdomain_url: str = strawberry.field(
        description="The store's ShopIQ address, e.g. https://fern-fig.myshopiq.com; always works."
    )


@strawberry.type(description="How the store takes payments.")
class StorePayments:
    provider: PaymentProvider | None = strawberry.field(
        description="The chosen payment provider; null until one is chosen."
    )
    status: PaymentStatus = strawberry.field(description="Where the payments set-up stands.")
    rejection_reason: str | None = strawberry.field(
        description="Why the provider refused the business; null unless REJECTED."
    )


@strawberry.type(description="How the store ships orders.")
class StoreLogistics:
    provider: str | None = strawberry.field(
        description="The logistics provider's name, free text; null until one is named."
    )
    status: LogisticsStatus = strawberry.field(description="Where the shipping set-up stands.")
    shipping_zone_count: int = strawberry.field(
        description="Shipping zones set up; at least 1 once configured."
    )
    shipping_method_count: int = strawberry.field(
        description="Shipping methods set up; at least 1 once configured."
    )


@strawberry.type(description="The store's products.")
class StoreCatalog:
    status: CatalogStatus = strawberry.field(description="Where the catalog import stands.")
    product_count: int = strawberry.field(
        description="Products in the catalog; at least 1 when READY."
    )
    category_count: int = strawberry.field(description="Product categories in the catalog.")
    failure_reason: str | None = strawberry.field(
        description="Why the import failed; null unless FAILED."
    )


@strawberry.type(description="Brand and policies: a store on template defaults cannot launch.")
class StoreBrand:
    logo_url: str | None = strawberry.field(
        description="https:// address of the logo; null when there is none."
    )
    theme: str = strawberry.field(
        description="Theme name: lower-case letters, digits, hyphens; new stores use essentials."
    )
    theme_customized: bool = strawberry.field(
        description="The theme was adapted to the brand; false again after a theme change."
    )
    on_template_defaults: bool = strawberry.field(
        description="No logo or the theme not customised: blocks the launch."
    )
    refund_policy_published: bool = strawberry.field(
        description="The refund policy is published; required for the launch."
    )
    shipping_policy_published: bool = strawberry.field(
        description="The shipping policy is published; required for the launch."
    )
    privacy_policy_published: bool = strawberry.field(
        description="The privacy policy is published; required for the launch."
    )
    terms_policy_published: bool = strawberry.field(
        description="The terms of service are published; required for the launch."
    )


@strawberry.type(description="The merchant's business verification and tax registration.")
class StoreCompliance:
    kyc_status: KycStatus = strawberry.field(
        description="Business verification (KYC); must be VERIFIED for the launch."
    )
    kyc_responsible: Responsible = strawberry.field(
        description="Who takes care of the business verification."
    )
    tax_status: TaxStatus = strawberry.field(
        description="Tax registration; must be REGISTERED or EXEMPT for the launch."
    )
    tax_responsible: Responsible = strawberry.field(
        description="Who takes care of the tax registration."
    )


@node(queries.get_store)
@strawberry.type(description="The client's one ShopIQ website and the state of its set-up.")
class Store(RowType, Node):
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; set-up mutations take it as `storeId`."
    )
    name: str = strawberry.field(
        description="The store's name (at most 200 characters); defaults to the business name."
    )
    subdomain: str = strawberry.field(
        description="Unique ShopIQ subdomain: the store is at https://<subdomain>.myshopiq.com."
    )
    custom_domain: str | None = strawberry.field(
        description="The connected custom domain, verified or not; null when none (same as "
        "`domain.hostname`)."
    )
    domain_status: DomainStatus = strawberry.field(description="Same as `domain.status`.")
    payment_status: PaymentStatus = strawberry.field(description="Same as `payments.status`.")
    logistics_status: LogisticsStatus = strawberry.field(description="Same as `logistics.status`.")
    catalog_status: CatalogStatus = strawberry.field(description="Same as `catalog.status`.")
    launch_status: LaunchStatus = strawberry.field(description="Whether the store is live.")
    launched_at: datetime | None = strawberry.field(
        description="When the store went live (UTC); null until launched."
    )
    version: int = strawberry.field(
        description="Increases with every change of the store; every set-up mutation takes it "
        "and refuses a stale one (CONFLICT)."
    )
    _row: strawberry.Private[models.Store]

    @strawberry.field(description="Custom domain, its DNS records and verification.")
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

    @strawberry.field(description="Payment provider and status.")
    def payments(self) -> StorePayments:
        row = self._row
        return StorePayments(
            provider=row.payment_provider,
            status=row.payment_status,
            rejection_reason=row.payment_rejection_reason,
        )

    @strawberry.field(description="Shipping provider, zones, methods and status.")
    def logistics(self) -> StoreLogistics:
        row = self._row
        return StoreLogistics(
            provider=row.logistics_provider,
            status=row.logistics_status,
            shipping_zone_count=row.shipping_zone_count,
            shipping_method_count=row.shipping_method_count,
        )

    @strawberry.field(description="Catalog import status and counts.")
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
