"""onboardClient: the client, its one store, the active partner access, the creator's assignment
(when a specialist onboards) and the invited merchant owner, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import (
    AccessStatus,
    AssignmentRole,
    ClientStatus,
    MerchantRole,
    PartnerRole,
    UserStatus,
)
from db.models import Assignment, Client, ClientUser, Partner, PartnerAccess, Store, User
from resolvers.context import Context
from resolvers.mutations import Outcome, target, transact
from resolvers.problems import ErrorCode, Refused, refuse
from resolvers.templates import copy_template_into
from resolvers.users import revive_as_invited
from resolvers.validation import Checker, slugify

# A country's usual currency, used only when the caller gives a country but no currency.
DEFAULT_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "CA": "CAD",
    "AU": "AUD",
    "IN": "INR",
    "JP": "JPY",
    "SG": "SGD",
    "NZ": "NZD",
    "CH": "CHF",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "BR": "BRL",
    "MX": "MXN",
    "ZA": "ZAR",
    "AE": "AED",
}
EURO_COUNTRIES = frozenset(
    "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split()  # noqa: SIM905
)
SUBDOMAIN_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class OnboardClientInput:
    partner_id: int | None
    business_name: str
    contact_email: str
    legal_name: str | None = None
    contact_phone: str | None = None
    industry: str | None = None
    country: str | None = None
    currency: str | None = None
    store_name: str | None = None
    subdomain: str | None = None
    merchant_name: str | None = None
    workflow_template_id: int | None = None
    unresolvable_template: bool = False  # an id was given but names no template


async def onboard_client(ctx: Context, data: OnboardClientInput) -> Outcome[Client]:
    async def work(session: AsyncSession) -> Client:
        return await _onboard(session, ctx, data)

    return await transact(ctx, work)


async def _onboard(session: AsyncSession, ctx: Context, data: OnboardClientInput) -> Client:
    partner = await target(
        session, ctx, Partner, data.partner_id, action="onboard_client", field="partner_id"
    )
    check = Checker()
    business_name = check.text("business_name", data.business_name, required=True, max_len=200)
    email = check.email("contact_email", data.contact_email, required=True)
    legal_name = check.text("legal_name", data.legal_name, required=False, max_len=200)
    phone = check.phone("contact_phone", data.contact_phone)
    industry = check.text("industry", data.industry, required=False, max_len=100)
    country = check.country("country", data.country or "US")
    currency = check.currency("currency", data.currency or _currency_for(country))
    store_name = check.text("store_name", data.store_name, required=False, max_len=200)
    merchant_name = check.text("merchant_name", data.merchant_name, required=False, max_len=200)
    subdomain = check.subdomain("subdomain", data.subdomain) if data.subdomain else None
    if check.problems:
        raise Refused(*check.problems)
    # The checker recorded a problem for every required value that is missing.
    assert business_name is not None
    assert email is not None
    assert country is not None
    assert currency is not None
    if subdomain is None:
        subdomain = await _free_subdomain(session, slugify(business_name))
    elif await _subdomain_taken(session, subdomain):
        raise refuse(
            "subdomain",
            f"The subdomain '{subdomain}' is already taken.",
            ErrorCode.TAKEN,
        )

    now = utcnow()
    client = Client(
        partner_id=partner.id,
        business_name=business_name,
        legal_name=legal_name,
        contact_email=email,
        contact_phone=phone,
        industry=industry,
        country=country,
        currency=currency,
        status=ClientStatus.ONBOARDING,
    )
    session.add(client)
    await session.flush()
    session.add_all(
        [
            Store(client_id=client.id, name=store_name or business_name, subdomain=subdomain),
            PartnerAccess(
                partner_id=partner.id,
                client_id=client.id,
                status=AccessStatus.ACTIVE,
                requested_at=now,
                activated_at=now,
            ),
        ]
    )
    member = next((m for m in ctx.viewer.memberships if m.partner_id == partner.id), None)
    if member is not None and member.role == PartnerRole.SPECIALIST:
        session.add(
            Assignment(
                partner_id=partner.id,
                client_id=client.id,
                member_id=member.member_id,
                user_id=ctx.viewer.user_id,
                role=AssignmentRole.LEAD,
            )
        )
    owner = await _merchant_user(session, email, merchant_name or business_name)
    session.add(ClientUser(client_id=client.id, user_id=owner.id, role=MerchantRole.MERCHANT_OWNER))
    await session.flush()
    if data.workflow_template_id is not None or data.unresolvable_template:
        await copy_template_into(
            session,
            ctx,
            client,
            None if data.unresolvable_template else data.workflow_template_id,
            field="workflow_template_id",
        )
    return client


def _currency_for(country: str | None) -> str:
    if country in EURO_COUNTRIES:
        return "EUR"
    return DEFAULT_CURRENCY.get(country or "", "USD")


async def _subdomain_taken(session: AsyncSession, subdomain: str) -> bool:
    found = await session.execute(select(Store.id).where(Store.subdomain == subdomain))
    return found.first() is not None


async def _free_subdomain(session: AsyncSession, base: str) -> str:
    rows = await session.execute(
        select(Store.subdomain).where(Store.subdomain.startswith(base, autoescape=True))
    )
    taken = set(rows.scalars())
    for n in range(1, SUBDOMAIN_ATTEMPTS + 1):
        candidate = base if n == 1 else f"{base[:58]}-{n}"
        if candidate not in taken:
            return candidate
    return f"{base[:50]}-{utcnow().strftime('%y%m%d%H%M%S')}"


async def _merchant_user(session: AsyncSession, email: str, name: str) -> User:
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        user = User(email=email, name=name, status=UserStatus.INVITED)
        session.add(user)
        await session.flush()
    elif user.status == UserStatus.REMOVED:
        revive_as_invited(user)
    return user
