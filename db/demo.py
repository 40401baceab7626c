"""The demo world of `make run` (and the tests' fixture): two partners, their teams and clients,
merchants, platform staff, and the edge cases that data separation must survive (revoked and
ended access, a client that moved partners, a removed user, a user with no grants)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base, utcnow
from db.demo_access import seed_access
from db.demo_audit import seed_audit
from db.demo_money import seed_money
from db.demo_relationship import seed_relationship
from db.demo_workflow import seed_workflow, store_state
from db.enums import (
    AccessStatus,
    AssignmentRole,
    ClientStatus,
    MemberStatus,
    MerchantRole,
    PartnerRole,
    PartnerTier,
    UserStatus,
)
from db.models import (
    Assignment,
    Client,
    ClientUser,
    Partner,
    PartnerAccess,
    PartnerMember,
    Store,
    User,
)


@dataclass(frozen=True)
class DemoPartner:
    slug: str
    name: str
    tier: PartnerTier
    members: tuple[tuple[str, PartnerRole], ...]


@dataclass(frozen=True)
class DemoClient:
    name: str
    partner: str | None  # slug of the current partner
    access: AccessStatus | None  # the current partner's access
    status: ClientStatus
    stage: int  # 0 = nothing set up ... 4 = live
    industry: str = "Retail"
    country: str = "US"
    currency: str = "USD"
    merchants: tuple[tuple[str, MerchantRole], ...] = ()
    assigned: tuple[tuple[str, AssignmentRole], ...] = ()
    previous: tuple[tuple[str, AccessStatus], ...] = field(default=())  # older accesses
    open_blocker: bool = False  # set up, but a launch-blocking task is still open


PARTNERS = (
    DemoPartner(
        "northwind-digital",
        "Northwind Digital",
        PartnerTier.GOLD,
        (
            ("owner@northwind.test", PartnerRole.OWNER),
            ("admin@northwind.test", PartnerRole.ADMIN),
            ("manager@northwind.test", PartnerRole.MANAGER),
            ("specialist@northwind.test", PartnerRole.SPECIALIST),
            ("designer@northwind.test", PartnerRole.SPECIALIST),
            ("former@northwind.test", PartnerRole.SPECIALIST),
        ),
    ),
    DemoPartner(
        "bluefin-studio",
        "Bluefin Studio",
        PartnerTier.SILVER,
        (
            ("owner@bluefin.test", PartnerRole.OWNER),
            ("specialist@bluefin.test", PartnerRole.SPECIALIST),
        ),
    ),
)

# name, email -> display name and flags
USERS: dict[str, tuple[str, UserStatus, bool]] = {
    "owner@northwind.test": ("Nora Owens", UserStatus.ACTIVE, False),
    "admin@northwind.test": ("Adam Ito", UserStatus.ACTIVE, False),
    "manager@northwind.test": ("Maya Lind", UserStatus.ACTIVE, False),
    "specialist@northwind.test": ("Sam Patel", UserStatus.ACTIVE, False),
    "designer@northwind.test": ("Dana Cruz", UserStatus.ACTIVE, False),
    "former@northwind.test": ("Frank Moss", UserStatus.REMOVED, False),
    "owner@bluefin.test": ("Olivia Brandt", UserStatus.ACTIVE, False),
    "specialist@bluefin.test": ("Sven Berg", UserStatus.ACTIVE, False),
    "merchant@lumen-candles.test": ("Lena Marsh", UserStatus.ACTIVE, False),
    "staff@lumen-candles.test": ("Leo Marsh", UserStatus.ACTIVE, False),
    "merchant@harbor-coffee.test": ("Hugo Reyes", UserStatus.ACTIVE, False),
    "merchant@tidal-threads.test": ("Tara Quinn", UserStatus.ACTIVE, False),
    "merchant@quill-ink.test": ("Quentin Ink", UserStatus.ACTIVE, False),
    "staff@shopiq.test": ("Sasha Platform", UserStatus.ACTIVE, True),
    "newcomer@shopiq.test": ("Nico New", UserStatus.ACTIVE, False),
    "invitee@northwind.test": ("Ivy Vance", UserStatus.INVITED, False),
}

# Pending team invitations: no grants until accepted.
INVITATIONS: dict[str, tuple[str, PartnerRole]] = {
    "invitee@northwind.test": ("northwind-digital", PartnerRole.SPECIALIST),
}

SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
A, R, E, Q = AccessStatus.ACTIVE, AccessStatus.REVOKED, AccessStatus.ENDED, AccessStatus.REQUESTED
LEAD, HELP = AssignmentRole.LEAD, AssignmentRole.CONTRIBUTOR
S = ClientStatus


def _nw(name: str, status: ClientStatus, stage: int, **kw: Any) -> DemoClient:
    return DemoClient(name, "northwind-digital", A, status, stage, **kw)


def _bf(name: str, status: ClientStatus, stage: int, **kw: Any) -> DemoClient:
    return DemoClient(name, "bluefin-studio", A, status, stage, **kw)


CLIENTS = (
    _nw(
        "Lumen Candles",
        S.IMPLEMENTATION,
        2,
        industry="Home & Living",
        merchants=(
            ("merchant@lumen-candles.test", MerchantRole.MERCHANT_OWNER),
            ("staff@lumen-candles.test", MerchantRole.MERCHANT_STAFF),
        ),
        assigned=((SPECIALIST, LEAD), (DESIGNER, HELP)),
    ),
    _nw("Aster Apparel", S.LIVE, 4, industry="Fashion", assigned=((SPECIALIST, LEAD),)),
    _nw(
        "Birch & Bloom Florists",
        S.ONBOARDING,
        1,
        industry="Flowers",
        assigned=((SPECIALIST, HELP), (DESIGNER, LEAD)),
    ),
    _nw(
        "Copperleaf Tea",
        S.IMPLEMENTATION,
        3,
        industry="Food & Drink",
        country="GB",
        currency="GBP",
        assigned=((DESIGNER, LEAD),),
        open_blocker=True,  # everything set up, but the launch rehearsal is still open
    ),
    _nw("Dune Outdoor Gear", S.LIVE, 4, industry="Sports"),
    _nw(
        "Ember Ceramics",
        S.IMPLEMENTATION,
        2,
        industry="Home & Living",
        country="DE",
        currency="EUR",
    ),
    _nw("Fable Books", S.LEAD, 0, industry="Books"),
    _nw(
        "Gilded Goat Cheese", S.ONBOARDING, 1, industry="Food & Drink", country="FR", currency="EUR"
    ),
    _nw("Halcyon Skincare", S.LIVE, 4, industry="Beauty"),
    _nw(
        "Ironwood Furniture",
        S.IMPLEMENTATION,
        3,
        industry="Home & Living",
        country="CA",
        currency="CAD",
    ),
    _nw("Juniper Pet Supply", S.ONBOARDING, 1, industry="Pets"),
    _nw("Kestrel Cycles", S.IMPLEMENTATION, 2, industry="Sports", country="NL", currency="EUR"),
    _nw("Larkspur Jewelry", S.LIVE, 4, industry="Jewelry", assigned=((DESIGNER, LEAD),)),
    # Northwind's access was revoked: even the assigned specialist must not see it.
    DemoClient(
        "Old Mill Bakery",
        "northwind-digital",
        R,
        S.IMPLEMENTATION,
        2,
        industry="Food & Drink",
        assigned=((SPECIALIST, LEAD),),
    ),
    _bf(
        "Harbor Coffee",
        S.IMPLEMENTATION,
        3,
        industry="Food & Drink",
        merchants=(("merchant@harbor-coffee.test", MerchantRole.MERCHANT_OWNER),),
    ),
    _bf("Alpine Honey", S.LIVE, 4, industry="Food & Drink", country="CH", currency="CHF"),
    _bf("Bramble Knitwear", S.IMPLEMENTATION, 2, industry="Fashion"),
    _bf("Cobalt Audio", S.ONBOARDING, 1, industry="Electronics"),
    _bf("Driftwood Decor", S.LIVE, 4, industry="Home & Living", country="AU", currency="AUD"),
    _bf("Evergreen Grocers", S.IMPLEMENTATION, 3, industry="Grocery"),
    _bf("Foxglove Perfumery", S.ONBOARDING, 1, industry="Beauty", country="FR", currency="EUR"),
    _bf("Granite Fitness", S.LEAD, 0, industry="Sports"),
    _bf("Hollow Oak Toys", S.IMPLEMENTATION, 2, industry="Toys"),
    _bf("Indigo Dye Works", S.LIVE, 4, industry="Fashion", country="IN", currency="INR"),
    _bf(
        "Jade Garden Plants",
        S.ONBOARDING,
        1,
        industry="Garden",
        assigned=(("specialist@bluefin.test", LEAD),),
    ),
    # Moved from Northwind (ended) to Bluefin: Northwind must no longer see it.
    _bf(
        "Tidal Threads",
        S.LIVE,
        4,
        industry="Fashion",
        merchants=(("merchant@tidal-threads.test", MerchantRole.MERCHANT_OWNER),),
        previous=(("northwind-digital", E),),
    ),
    # Handed over by its merchant: Northwind's access ended (db/demo_relationship.py).
    DemoClient(
        "Quill & Ink Stationery",
        "northwind-digital",
        E,
        S.HANDED_OVER,
        4,
        industry="Stationery",
        merchants=(("merchant@quill-ink.test", MerchantRole.MERCHANT_OWNER),),
    ),
    # Bluefin asked for access; the merchant has not granted it yet.
    DemoClient("Pine & Pixel Prints", "bluefin-studio", Q, S.LEAD, 0, industry="Art"),
    # Works with no partner at all.
    DemoClient("Solo Soaps", None, None, S.LIVE, 4, industry="Beauty"),
)

DEMO_EMAILS = tuple(USERS)


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


async def is_seeded(session: AsyncSession) -> bool:
    return bool((await session.execute(select(func.count(Partner.id)))).scalar_one())


async def seed_demo(session: AsyncSession) -> bool:
    """Insert the demo world unless the database already has partners. True if it seeded."""
    if await is_seeded(session):
        return False
    now = utcnow()
    users: dict[str, User] = {}
    for email, (name, status, staff) in USERS.items():
        users[email] = User(email=email, name=name, status=status, is_platform_staff=staff)
    session.add_all(users.values())
    partners = {p.slug: Partner(slug=p.slug, name=p.name, tier=p.tier) for p in PARTNERS}
    session.add_all(partners.values())
    await session.flush()
    members: dict[str, PartnerMember] = {}
    for p in PARTNERS:
        for email, role in p.members:
            members[email] = PartnerMember(
                partner_id=partners[p.slug].id, user_id=users[email].id, role=role
            )
    session.add_all(members.values())
    await session.flush()
    plans: list[tuple[Client, int, bool, int | None]] = []
    for index, spec in enumerate(CLIENTS):
        partner = partners[spec.partner] if spec.partner else None
        client = Client(
            partner_id=partner.id if partner else None,
            business_name=spec.name,
            legal_name=f"{spec.name} Ltd",
            contact_email=f"hello@{slug_of(spec.name)}.test",
            industry=spec.industry,
            country=spec.country,
            currency=spec.currency,
            status=spec.status,
            created_at=now - timedelta(days=90 - index),
        )
        session.add(client)
        await session.flush()
        session.add(
            Store(
                client_id=client.id,
                name=spec.name,
                subdomain=slug_of(spec.name),
                launched_at=now - timedelta(days=10) if spec.stage == 4 else None,
                **store_state(spec.stage, f"{slug_of(spec.name)}.example"),
            )
        )
        lead = next((members[e].id for e, r in spec.assigned if r == LEAD), None)
        active = spec.access == AccessStatus.ACTIVE
        plans.append((client, spec.stage if active else 0, spec.open_blocker, lead))
        for slug, old_status in spec.previous:
            session.add(
                PartnerAccess(
                    partner_id=partners[slug].id,
                    client_id=client.id,
                    status=old_status,
                    requested_at=now - timedelta(days=400),
                    activated_at=now - timedelta(days=399),
                    ended_at=now - timedelta(days=30),
                )
            )
        if partner is not None and spec.access is not None:
            live = spec.access == AccessStatus.ACTIVE
            session.add(
                PartnerAccess(
                    partner_id=partner.id,
                    client_id=client.id,
                    status=spec.access,
                    requested_at=now - timedelta(days=60),
                    activated_at=now - timedelta(days=59) if spec.access != Q else None,
                    ended_at=None if live or spec.access == Q else now - timedelta(days=5),
                )
            )
        for email, seat in spec.assigned:
            member = members[email]
            session.add(
                Assignment(
                    partner_id=member.partner_id,
                    client_id=client.id,
                    member_id=member.id,
                    user_id=member.user_id,
                    role=seat,
                )
            )
        for email, merchant_role in spec.merchants:
            session.add(
                ClientUser(client_id=client.id, user_id=users[email].id, role=merchant_role)
            )
    for email, (slug, role) in INVITATIONS.items():
        session.add(
            PartnerMember(
                partner_id=partners[slug].id,
                user_id=users[email].id,
                role=role,
                status=MemberStatus.INVITED,
                invited_by_user_id=users[f"owner@{slug.split('-')[0]}.test"].id,
            )
        )
    await session.flush()
    await seed_workflow(session, {slug: p.id for slug, p in partners.items()}, plans)
    await seed_access(session)
    await seed_relationship(session)
    await seed_money(session)
    # Removed users were removed after everything they were granted.
    removed_at = utcnow()
    for email, (_name, status, _staff) in USERS.items():
        if status == UserStatus.REMOVED:
            users[email].removed_at = removed_at
    await session.flush()
    await seed_audit(session)
    return True


async def wipe(session: AsyncSession) -> int:
    """Delete every row of every application table (not the migration state) and restart the
    id counters, so that seeding again gives the demo the same ids as before: tokens issued
    to demo users keep naming them. The number of rows deleted."""
    tables = list(reversed(Base.metadata.sorted_tables))
    deleted = 0
    for table in tables:
        deleted += (await session.execute(select(func.count()).select_from(table))).scalar_one()
    if (await session.connection()).dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:  # SQLite hands out max(id) + 1: empty tables start at 1 again
        for table in tables:
            await session.execute(table.delete())
    return deleted
