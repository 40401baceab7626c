"""A large, deterministic world for the benchmark, inserted in bulk into a migrated database.

Per partner: an owner, an admin, a manager and five specialists; `clients_per_partner` clients
(the first partner, whose team the read scenarios sign in as, may have more: `big_partner_clients`),
each with its store, the partner's active access, a lead specialist (every other client also a
contributor) and a merchant owner. Every fifth client also carries an older, revoked access of the
neighbouring partner, which that partner must not see through. One platform staff user sees all."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db import migrate
from db.base import utcnow
from db.demo_workflow import STANDARD_LAUNCH
from db.enums import (
    AccessStatus,
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    DomainStatus,
    LaunchStatus,
    LogisticsStatus,
    MerchantRole,
    PartnerRole,
    PartnerTier,
    PaymentStatus,
    TaskStatus,
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
    Task,
    User,
)
from db.statistics import analyze

SPECIALISTS_PER_PARTNER = 5
REVOKED_EVERY = 5  # every fifth client has an older, revoked access of another partner
CHUNK = 1000  # rows per bulk statement
SAMPLE_SIZE = 10  # viewers of each kind kept for the policy-filter timing

TEAM: tuple[tuple[str, PartnerRole], ...] = (
    ("owner", PartnerRole.OWNER),
    ("admin", PartnerRole.ADMIN),
    ("manager", PartnerRole.MANAGER),
    *((f"specialist{n}", PartnerRole.SPECIALIST) for n in range(1, SPECIALISTS_PER_PARTNER + 1)),
)
TIERS = (PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM)
STAGES = (
    ClientStatus.LEAD,
    ClientStatus.ONBOARDING,
    ClientStatus.IMPLEMENTATION,
    ClientStatus.IMPLEMENTATION,
    ClientStatus.LIVE,
)
_ADJECTIVE_WORDS = (
    "Amber Azure Birch Bright Cedar Cobalt Copper Coral Crimson Dapper Dune Ember Fern Golden "
    "Granite Harbor Hazel Indigo Ivory Juniper Lark Linen Maple Meadow Misty Noble Olive Onyx "
    "Pebble Pine Quartz Rustic Saffron Sage Silver Slate Sunny Tidal Velvet Willow"
)
_NOUN_WORDS = (
    "Anchor Apiary Atelier Bakery Basket Beacon Bloom Boutique Brew Candle Canvas Cellar Cycle "
    "Denim Forge Garden Grove Harvest Hearth Kiln Leaf Loom Market Mill Nest Orchard Pantry "
    "Press Quarry Roast Soap Spoon Studio Thread Timber Trail Vine Weave Wharf Yarn"
)
ADJECTIVES = tuple(_ADJECTIVE_WORDS.split())
NOUNS = tuple(_NOUN_WORDS.split())
KINDS = ("Co", "Goods", "House", "Supply", "Works", "Collective", "Outfitters", "Trading")
INDUSTRIES = ("Retail", "Fashion", "Food & Drink", "Home & Living", "Beauty", "Sports", "Books")
COUNTRIES = (("US", "USD"), ("GB", "GBP"), ("DE", "EUR"), ("CA", "CAD"), ("AU", "AUD"))


@dataclass(frozen=True, slots=True)
class Persona:
    user_id: int
    email: str


@dataclass
class BenchWorld:
    """What the runner needs to know about the generated world."""

    partners: int
    clients_per_partner: int
    big_partner_clients: int  # clients of the first partner
    owner: Persona  # owner of the first partner
    specialist: Persona  # first specialist of the first partner
    staff: Persona  # platform staff
    writer: Persona  # owner of the last partner: onboards clients, so reads stay unchanged
    writer_partner_id: int
    owner_client_ids: list[int]  # every client of the first partner
    sample_users: dict[str, list[int]] = field(default_factory=dict)  # kind -> user ids
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    seconds: float = 0.0

    @property
    def clients(self) -> int:
        return self.big_partner_clients + (self.partners - 1) * self.clients_per_partner


def business_name(index: int) -> str:
    """A varied, deterministic name; a spread index keeps neighbours from sharing a prefix."""
    spread = (index * 7919) % (len(ADJECTIVES) * len(NOUNS) * len(KINDS))
    adjective = ADJECTIVES[spread % len(ADJECTIVES)]
    noun = NOUNS[(spread // len(ADJECTIVES)) % len(NOUNS)]
    kind = KINDS[(spread // (len(ADJECTIVES) * len(NOUNS))) % len(KINDS)]
    return f"{adjective} {noun} {kind}"


def _store_state(stage: int) -> dict[str, Any]:
    return {
        "domain_status": (
            DomainStatus.NOT_CONNECTED,
            DomainStatus.NOT_CONNECTED,
            DomainStatus.PENDING_DNS,
            DomainStatus.VERIFIED,
            DomainStatus.VERIFIED,
        )[stage],
        "payment_status": (
            PaymentStatus.NOT_STARTED,
            PaymentStatus.KYC_PENDING,
            PaymentStatus.KYC_PENDING,
            PaymentStatus.ACTIVE,
            PaymentStatus.ACTIVE,
        )[stage],
        "logistics_status": (
            LogisticsStatus.NOT_STARTED,
            LogisticsStatus.NOT_STARTED,
            LogisticsStatus.CONFIGURED,
            LogisticsStatus.CONFIGURED,
            LogisticsStatus.ACTIVE,
        )[stage],
        "catalog_status": (
            CatalogStatus.EMPTY,
            CatalogStatus.IMPORTING,
            CatalogStatus.READY,
            CatalogStatus.READY,
            CatalogStatus.READY,
        )[stage],
        "launch_status": LaunchStatus.LIVE if stage == 4 else LaunchStatus.NOT_LAUNCHED,
    }


class _Inserter:
    """Bulk inserts in chunks, keeping row counts and printing progress to stderr."""

    def __init__(self, conn: AsyncConnection, say: Callable[[str], None]) -> None:
        self.conn = conn
        self.say = say
        self.rows: dict[str, int] = {}

    async def insert(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> list[int]:
        """Inserts `rows` and returns their new ids in the order given."""
        table = model.__tablename__
        started = time.perf_counter()
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
            result = await self.conn.execute(stmt, list(chunk))
            ids.extend(result.scalars().all())
        self.rows[table] = self.rows.get(table, 0) + len(rows)
        took = time.perf_counter() - started
        self.say(f"  {table:<17} {len(rows):>8,} rows  {took:6.2f} s")
        return ids


def _checklist(
    partner_id: int, client_id: int, stage: int, assignee: int, now: datetime, index: int
) -> list[dict[str, Any]]:
    """The demo's standard launch checklist, done up to the client's stage; started long enough
    ago that the open tasks of early stages are overdue."""
    done_upto = (0, 2, 6, len(STANDARD_LAUNCH), len(STANDARD_LAUNCH))[stage]
    start = now.date() - timedelta(days=20 + index % 15)
    rows = []
    for position, item in enumerate(STANDARD_LAUNCH, start=1):
        done = position <= done_upto
        rows.append(
            {
                "partner_id": partner_id,
                "client_id": client_id,
                "title": item.title,
                "category": item.category,
                "status": TaskStatus.DONE if done else TaskStatus.TODO,
                "assignee_member_id": None if item.client_visible else assignee,
                "due_date": start + timedelta(days=item.offset or 0),
                "client_visible": item.client_visible,
                "blocks_launch": item.blocks_launch,
                "position": position,
                "completed_at": now if done else None,
            }
        )
    return rows


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def generate(
    engine: AsyncEngine,
    *,
    partners: int = 50,
    clients_per_partner: int = 40,
    big_partner_clients: int | None = None,
    say: Callable[[str], None] = _say,
) -> BenchWorld:
    """Migrates the (empty) database behind `engine` and fills it; returns the world's key ids.
    The first partner has `big_partner_clients` clients (default: as many as the others)."""
    big = clients_per_partner if big_partner_clients is None else big_partner_clients
    if partners < 1 or clients_per_partner < 1 or big < 1:
        raise ValueError("partners and clients per partner must be at least 1")
    started = time.perf_counter()
    say(f"dataset: {partners} partners x {clients_per_partner} clients, the first {big}")
    await migrate.upgrade(engine)
    say(f"  migrated          {time.perf_counter() - started:15.2f} s")
    now = utcnow()
    async with engine.begin() as conn:
        ins = _Inserter(conn, say)
        world = await _fill(ins, partners, clients_per_partner, big, now)
    # As after any bulk load: the planner learns the new sizes before the first measurement.
    await analyze(engine)
    world.rows = ins.rows
    world.seconds = time.perf_counter() - started
    say(f"dataset ready: {sum(ins.rows.values()):,} rows in {world.seconds:.2f} s")
    return world


async def _fill(
    ins: _Inserter, partners: int, per_partner: int, big: int, now: datetime
) -> BenchWorld:
    sizes = [big, *([per_partner] * (partners - 1))]
    offsets = [sum(sizes[:p]) for p in range(partners)]
    # Team users (and the staff user, first), then partners and memberships.
    team_users: list[dict[str, Any]] = [
        {
            "email": "staff@bench.shopiq.test",
            "name": "Platform Staff",
            "status": UserStatus.ACTIVE,
            "is_platform_staff": True,
        }
    ]
    for p in range(partners):
        for slot, _role in TEAM:
            team_users.append(
                {
                    "email": f"{slot}@p{p + 1:04d}.bench.test",
                    "name": f"{slot.capitalize()} of Partner {p + 1}",
                    "status": UserStatus.ACTIVE,
                    "is_platform_staff": False,
                }
            )
    user_ids = await ins.insert(User, team_users)
    staff_id, team_ids = user_ids[0], user_ids[1:]

    partner_ids = await ins.insert(
        Partner,
        [
            {
                "name": f"Bench Partner {p + 1:04d}",
                "slug": f"bench-partner-{p + 1:04d}",
                "tier": TIERS[p % len(TIERS)],
            }
            for p in range(partners)
        ],
    )
    member_rows: list[dict[str, Any]] = []
    for p, partner_id in enumerate(partner_ids):
        for t, (_slot, role) in enumerate(TEAM):
            member_rows.append(
                {"partner_id": partner_id, "user_id": team_ids[p * len(TEAM) + t], "role": role}
            )
    member_ids = await ins.insert(PartnerMember, member_rows)

    # Clients: partner by partner, so the first partner's clients come first.
    client_rows: list[dict[str, Any]] = []
    for p, partner_id in enumerate(partner_ids):
        for j in range(sizes[p]):
            index = offsets[p] + j
            name = business_name(index)
            country, currency = COUNTRIES[index % len(COUNTRIES)]
            client_rows.append(
                {
                    "partner_id": partner_id,
                    "business_name": name,
                    "legal_name": f"{name} Ltd",
                    "contact_email": f"hello@c{index + 1:06d}.bench.test",
                    "industry": INDUSTRIES[index % len(INDUSTRIES)],
                    "country": country,
                    "currency": currency,
                    "status": STAGES[j % len(STAGES)],
                    "created_at": now - timedelta(minutes=index),
                }
            )
    client_ids = await ins.insert(Client, client_rows)

    stores: list[dict[str, Any]] = []
    accesses: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    merchants: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    for p, partner_id in enumerate(partner_ids):
        specialists = [
            (member_ids[p * len(TEAM) + t], team_ids[p * len(TEAM) + t])
            for t, (_slot, role) in enumerate(TEAM)
            if role == PartnerRole.SPECIALIST
        ]
        for j in range(sizes[p]):
            index = offsets[p] + j
            client_id = client_ids[index]
            stage = j % len(STAGES)
            slug = f"c{index + 1:06d}"
            stores.append(
                {
                    "client_id": client_id,
                    "name": client_rows[index]["business_name"],
                    "subdomain": slug,
                    "custom_domain": f"{slug}.example" if stage >= 2 else None,
                    "launched_at": now - timedelta(days=10) if stage == 4 else None,
                    **_store_state(stage),
                }
            )
            accesses.append(
                {
                    "partner_id": partner_id,
                    "client_id": client_id,
                    "status": AccessStatus.ACTIVE,
                    "requested_at": now - timedelta(days=60),
                    "activated_at": now - timedelta(days=59),
                }
            )
            if partners > 1 and index % REVOKED_EVERY == REVOKED_EVERY - 1:
                accesses.append(
                    {
                        "partner_id": partner_ids[(p + 1) % partners],
                        "client_id": client_id,
                        "status": AccessStatus.REVOKED,
                        "requested_at": now - timedelta(days=400),
                        "activated_at": now - timedelta(days=399),
                        "ended_at": now - timedelta(days=90),
                    }
                )
            lead_member = specialists[j % len(specialists)][0]
            tasks.extend(_checklist(partner_id, client_id, stage, lead_member, now, index))
            seats = [(specialists[j % len(specialists)], AssignmentRole.LEAD)]
            if j % 2 == 0:
                seats.append((specialists[(j + 2) % len(specialists)], AssignmentRole.CONTRIBUTOR))
            for (member_id, user_id), seat in seats:
                assignments.append(
                    {
                        "partner_id": partner_id,
                        "client_id": client_id,
                        "member_id": member_id,
                        "user_id": user_id,
                        "role": seat,
                    }
                )
            merchants.append(
                {
                    "email": f"owner@{slug}.bench.test",
                    "name": f"Owner of {client_rows[index]['business_name']}",
                    "status": UserStatus.ACTIVE,
                    "is_platform_staff": False,
                }
            )
    await ins.insert(Store, stores)
    await ins.insert(PartnerAccess, accesses)
    await ins.insert(Assignment, assignments)
    await ins.insert(Task, tasks)
    merchant_ids = await ins.insert(User, merchants)
    await ins.insert(
        ClientUser,
        [
            {"client_id": client_id, "user_id": user_id, "role": MerchantRole.MERCHANT_OWNER}
            for client_id, user_id in zip(client_ids, merchant_ids, strict=True)
        ],
    )

    def persona(p: int, slot: int) -> Persona:
        index = p * len(TEAM) + slot
        return Persona(team_ids[index], team_users[index + 1]["email"])

    specialist_slot = next(t for t, (_s, r) in enumerate(TEAM) if r == PartnerRole.SPECIALIST)
    sample = range(min(partners, SAMPLE_SIZE))
    return BenchWorld(
        partners=partners,
        clients_per_partner=per_partner,
        big_partner_clients=big,
        owner=persona(0, 0),
        specialist=persona(0, specialist_slot),
        staff=Persona(staff_id, team_users[0]["email"]),
        writer=persona(partners - 1, 0),
        writer_partner_id=partner_ids[-1],
        owner_client_ids=client_ids[:big],
        sample_users={
            "owner": [persona(p, 0).user_id for p in sample],
            "specialist": [persona(p, specialist_slot).user_id for p in sample],
            "merchant": merchant_ids[:SAMPLE_SIZE],
            "staff": [staff_id],
        },
    )
