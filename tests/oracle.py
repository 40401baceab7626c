"""What each demo user may see, worked out in plain Python from the declarative demo world
(PARTNERS, CLIENTS, USERS in db.demo) and the permission model's rules. It never reads the
database and never consults the policy code, so it is an independent referee for both.

The rules:
- Partner owners, admins and managers see every client their partner has active access to; a
  specialist only those of them the specialist is assigned to.
- A merchant user sees only the client(s) they belong to.
- Platform staff see everything; a user with no grants sees nothing.
- Revoked, ended or merely requested access gives nothing.
- A partner is readable by its members, by platform staff, and by merchant users of a client the
  partner has active access to. Its team (members) only by members of the same partner and staff.
- A store and an assignment are readable exactly when their client is.
- A removed user is refused altogether.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from db.demo import CLIENTS, PARTNERS, USERS, DemoClient
from db.enums import AccessStatus, PartnerRole, UserStatus

MANAGING_ROLES = frozenset({PartnerRole.OWNER, PartnerRole.ADMIN, PartnerRole.MANAGER})

CLIENT_NAMES: tuple[str, ...] = tuple(c.name for c in CLIENTS)
PARTNER_SLUGS: tuple[str, ...] = tuple(p.slug for p in PARTNERS)
MEMBER_EMAILS: tuple[str, ...] = tuple(email for p in PARTNERS for email, _ in p.members)
# Every assignment of the demo world as (client business name, assigned member's email).
ASSIGNMENT_KEYS: tuple[tuple[str, str], ...] = tuple(
    (c.name, email) for c in CLIENTS for email, _ in c.assigned
)

_CLIENTS_BY_NAME: dict[str, DemoClient] = {c.name: c for c in CLIENTS}


@dataclass(frozen=True)
class Visibility:
    """Everything one user may read in the demo world, by human-readable key."""

    refused: bool
    clients: frozenset[str]  # business names
    partners: frozenset[str]  # slugs
    members: frozenset[str]  # emails of the partner members whose membership is readable
    stores: frozenset[str]  # business names of the stores' clients
    assignments: frozenset[tuple[str, str]]  # (client business name, member email)


def client_spec(name: str) -> DemoClient:
    return _CLIENTS_BY_NAME[name]


def is_refused(email: str) -> bool:
    return USERS[email][1] == UserStatus.REMOVED


def is_platform_staff(email: str) -> bool:
    return USERS[email][2]


def membership(email: str) -> tuple[str, PartnerRole] | None:
    """(partner slug, role) of the user's partner membership, if any."""
    for partner in PARTNERS:
        for member_email, role in partner.members:
            if member_email == email:
                return partner.slug, role
    return None


def member_partner(member_email: str) -> str:
    found = membership(member_email)
    assert found is not None, member_email
    return found[0]


def active_partners(client: DemoClient) -> frozenset[str]:
    """Partners whose access to the client is active (the current one and any older ones)."""
    slugs = {slug for slug, status in client.previous if status == AccessStatus.ACTIVE}
    if client.partner is not None and client.access == AccessStatus.ACTIVE:
        slugs.add(client.partner)
    return frozenset(slugs)


def merchant_clients(email: str) -> tuple[str, ...]:
    """The clients the user belongs to as a merchant, in demo order."""
    return tuple(c.name for c in CLIENTS if any(m == email for m, _ in c.merchants))


def reads_client(email: str, client: DemoClient) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    if client.name in merchant_clients(email):
        return True
    found = membership(email)
    if found is None:
        return False
    slug, role = found
    if slug not in active_partners(client):
        return False
    if role in MANAGING_ROLES:
        return True
    return any(assigned == email for assigned, _ in client.assigned)


def reads_partner(email: str, slug: str) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    if found is not None and found[0] == slug:
        return True
    return any(slug in active_partners(client_spec(name)) for name in merchant_clients(email))


def reads_team(email: str, slug: str) -> bool:
    """May the user read the partner's members?"""
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    return found is not None and found[0] == slug


def may_onboard(email: str, slug: str) -> bool:
    """May the user onboard a client for the partner? Every role of its team may."""
    if is_refused(email):
        return False
    found = membership(email)
    return found is not None and found[0] == slug


@cache
def visible(email: str) -> Visibility:
    clients = frozenset(c.name for c in CLIENTS if reads_client(email, c))
    return Visibility(
        refused=is_refused(email),
        clients=clients,
        partners=frozenset(s for s in PARTNER_SLUGS if reads_partner(email, s)),
        members=frozenset(m for m in MEMBER_EMAILS if reads_team(email, member_partner(m))),
        stores=clients,
        assignments=frozenset(key for key in ASSIGNMENT_KEYS if key[0] in clients),
    )


def client_partner(email: str, client_name: str) -> str | None:
    """The slug `client { partner }` shows for a readable client: its current partner, if any
    and if the user may read that partner."""
    slug = client_spec(client_name).partner
    if slug is None or slug not in visible(email).partners:
        return None
    return slug


def partner_clients(email: str, slug: str) -> frozenset[str]:
    """The clients `partner { clients }` lists: readable ones whose current partner it is."""
    return frozenset(n for n in visible(email).clients if client_spec(n).partner == slug)


def partner_members(email: str, slug: str) -> frozenset[str]:
    """The member emails `partner { members }` lists."""
    if not reads_team(email, slug):
        return frozenset()
    return frozenset(m for m in MEMBER_EMAILS if member_partner(m) == slug)


def assignees(email: str, client_name: str) -> frozenset[str]:
    """Emails of the members assigned to a client, as `client { assignees }` lists them."""
    return frozenset(m for c, m in visible(email).assignments if c == client_name)


def viewer_memberships(email: str) -> tuple[tuple[str, str], ...]:
    """(member email, partner slug) of each of the user's own memberships."""
    found = membership(email)
    if found is None or is_refused(email):
        return ()
    return ((email, found[0]),)
