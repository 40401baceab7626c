"""onboardClient: the client, its one store, the active partner access, the creator's assignment
(when a specialist onboards) and the invited merchant owner, in one transaction."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import (
    AccessStatus,
    AssignmentRole,
    ClientStatus,
    ClientUserStatus,
    MerchantRole,
    PartnerRole,
    UserStatus,
)
from db.models import Assignment, Client, ClientUser, Partner, PartnerAccess, Store, User
from resolvers.changes import Changes, apply, cleaned
from resolvers.context import Context
from resolvers.db_errors import ANSWERS, race_problem
from resolvers.mutations import Outcome, target, transact
from resolvers.problems import CONFLICT_MESSAGE, ErrorCode, Refused, refuse
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
SUBDOMAIN_TAKEN = ANSWERS[("stores", ("subdomain",))]


# Values onboarding checks by their own rules; any other client column the input gives is
# cleaned against the model and set as it is.
CHECKED = ("business_name", "contact_email", "contact_phone", "country", "currency")
NOT_CLIENT = ("store_name", "subdomain", "merchant_name", "workflow_template_id")


async def onboard_client(ctx: Context, partner_id: int | None, changes: Changes) -> Outcome[Client]:
    async def work(session: AsyncSession) -> Client:
        return await _onboard(session, ctx, partner_id, changes)

    return await transact(ctx, work, idempotent=Client)


async def _onboard(
    session: AsyncSession, ctx: Context, partner_id: int | None, changes: Changes
) -> Client:
    partner = await target(
        session, ctx, Partner, partner_id, action="onboard_client", field="partner_id"
    )
    check = Checker()
    business_name = check.text(
        "business_name", changes.get("business_name"), required=True, max_len=200, multiline=False
    )
    email = check.email("contact_email", changes.get("contact_email"), required=True)
    plain = changes.without(*CHECKED, *NOT_CLIENT)
    try:
        plain = cleaned(Client, plain)
    except Refused as refusal:
        check.problems += refusal.problems
    phone = check.phone("contact_phone", changes.get("contact_phone"))
    country = check.country("country", changes.get("country") or "US")
    currency = check.currency("currency", changes.get("currency") or _currency_for(country))
    store_name = check.text(
        "store_name", changes.get("store_name"), required=False, max_len=200, multiline=False
    )
    merchant_name = check.text(
        "merchant_name", changes.get("merchant_name"), required=False, max_len=200, multiline=False
    )
    wanted = changes.get("subdomain")
    subdomain = check.subdomain("subdomain", wanted) if wanted else None
    if check.problems:
        raise Refused(*check.problems)
    # The checker recorded a problem for every required value that is missing.
    assert business_name is not None
    assert email is not None
    assert country is not None
    assert currency is not None
    derived = subdomain is None
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
        contact_email=email,
        contact_phone=phone,
        country=country,
        currency=currency,
        status=ClientStatus.ONBOARDING,
    )
    apply(client, plain)
    session.add(client)
    await session.flush()
    store_label = store_name or business_name
    if derived:
        await _add_store_derived(session, client.id, store_label, subdomain, business_name)
    else:
        session.add(Store(client_id=client.id, name=store_label, subdomain=subdomain))
    owner, known = await _merchant_user(session, email, merchant_name or business_name)
    # Someone who already has an account is not made merchant owner silently: the access waits
    # for them to accept the invitation (acceptClientInvitation), which is their consent.
    session.add(
        PartnerAccess(
            partner_id=partner.id,
            client_id=client.id,
            status=AccessStatus.REQUESTED if known else AccessStatus.ACTIVE,
            requested_at=now,
            activated_at=None if known else now,
            requested_by_user_id=ctx.viewer.user_id,
        )
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
    session.add(
        ClientUser(
            client_id=client.id,
            user_id=owner.id,
            role=MerchantRole.MERCHANT_OWNER,
            status=ClientUserStatus.INVITED if known else ClientUserStatus.ACTIVE,
            invited_by_user_id=ctx.viewer.user_id,
        )
    )
    await session.flush()
    if "workflow_template_id" in changes:
        await copy_template_into(
            session, ctx, client, changes.get("workflow_template_id"), field="workflow_template_id"
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


async def _add_store_derived(
    session: AsyncSession, client_id: int, name: str, subdomain: str, business_name: str
) -> None:
    """Insert the store under a subdomain derived from the business name. A concurrent
    onboarding may take the same candidate first: the insert runs in a savepoint, and on the
    unique violation the next free candidate is tried (random after a few rounds)."""
    base = slugify(business_name)
    for attempt in range(SUBDOMAIN_ATTEMPTS):
        try:
            async with session.begin_nested():
                session.add(Store(client_id=client_id, name=name, subdomain=subdomain))
                await session.flush()
            return
        except IntegrityError as exc:
            if race_problem(exc) != SUBDOMAIN_TAKEN:
                raise
        if attempt < SUBDOMAIN_ATTEMPTS // 2:
            subdomain = await _free_subdomain(session, base)
        else:
            subdomain = f"{base[:50]}-{secrets.token_hex(4)}"
    raise refuse(None, CONFLICT_MESSAGE, ErrorCode.CONFLICT)


async def _merchant_user(session: AsyncSession, email: str, name: str) -> tuple[User, bool]:
    """The merchant owner's user, and whether it is an account in use (ACTIVE: its person has
    signed up or accepted something). A user only invited so far, or removed and invited again,
    has nothing of their own yet and is invited as a new one is."""
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        user = User(email=email, name=name, status=UserStatus.INVITED)
        session.add(user)
        await session.flush()
        return user, False
    if user.status == UserStatus.REMOVED:
        revive_as_invited(user)
        return user, False
    return user, user.status == UserStatus.ACTIVE
