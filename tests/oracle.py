"""What each demo user may see and do, worked out in plain Python from the declarative demo world
(PARTNERS, CLIENTS, USERS, INVITATIONS in db.demo; the checklist and TEMPLATES in
db.demo_workflow) and the permission model's rules. It never reads the database and never
consults the policy code, so it is an independent referee for both.

Reading:
- Partner owners, admins and managers see every client their partner has active access to; a
  specialist only those of them the specialist is assigned to.
- A merchant user sees only the client(s) they belong to.
- Platform staff see everything; a user with no grants sees nothing.
- Revoked, ended, expired or merely requested access gives nothing.
- An access's scope (db.demo_access.SCOPES) narrows what its partner does: SUPPORT reads the
  client and its store, and nothing of the implementation (tasks, store set-up, launch, staffing).
- A partner is readable by its members, by platform staff, by merchant users of a client the
  partner has or had any access to (or asked for), and by someone the partner invited to its
  team. Its team (members, the pending invitation among them) only by members of the same
  partner and staff.
- Someone invited sees their own invitation and the partner's name, and nothing else until
  they accept: an invitation grants nothing.
- A store (with each of its set-up sections) and an assignment are readable exactly when their
  client is.
- A task belongs to a partner. That partner's staff who may work on the client (owners, admins
  and managers while the access is active; the assigned specialist) see it; the client's
  merchants see it only when it is shared with them (client-visible); platform staff see all.
  Any other partner of the client never does.
- A workflow template is readable by the members of its partner and by platform staff.
- A removed user is refused altogether.

Writing (on an object the user may read; otherwise it does not exist for them):
- Whoever on the partner's side may work on a client manages its tasks, its store set-up and its
  launch; only owners, admins and managers staff it (assign and unassign).
- Tasks are edited by their own partner's staff who may work on the client; a merchant may only
  complete the tasks shared with them.
- Owners, admins and managers manage their partner's workflow templates; owners and admins the
  team (admins everyone but owners); anyone may leave; only the invited user accepts.
- Platform staff change nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from db.demo import CLIENTS, INVITATIONS, PARTNERS, USERS, DemoClient
from db.demo_access import EXPIRED, REQUESTS, SCOPES
from db.demo_workflow import STANDARD_LAUNCH, TEMPLATES
from db.enums import (
    AccessScope,
    AccessStatus,
    AssignmentRole,
    MerchantRole,
    PartnerRole,
    UserStatus,
)
from db.enums import (
    Visibility as ItemVisibility,
)

MANAGING_ROLES = frozenset({PartnerRole.OWNER, PartnerRole.ADMIN, PartnerRole.MANAGER})
TEAM_ADMIN_ROLES = frozenset({PartnerRole.OWNER, PartnerRole.ADMIN})

CLIENT_NAMES: tuple[str, ...] = tuple(c.name for c in CLIENTS)
PARTNER_SLUGS: tuple[str, ...] = tuple(p.slug for p in PARTNERS)
# Every partner_members row: the active members, then the pending invitations.
MEMBER_EMAILS: tuple[str, ...] = (
    *(email for p in PARTNERS for email, _ in p.members),
    *INVITATIONS,
)
# Every assignment of the demo world as (client business name, assigned member's email).
ASSIGNMENT_KEYS: tuple[tuple[str, str], ...] = tuple(
    (c.name, email) for c in CLIENTS for email, _ in c.assigned
)
# Every workflow template as (partner slug, template name).
TEMPLATE_KEYS: tuple[tuple[str, str], ...] = tuple(
    (slug, name) for slug, templates in TEMPLATES.items() for name, _, _ in templates
)
TEMPLATE_ITEM_COUNTS: dict[tuple[str, str], int] = {
    (slug, name): len(items)
    for slug, templates in TEMPLATES.items()
    for name, _, items in templates
}

_CLIENTS_BY_NAME: dict[str, DemoClient] = {c.name: c for c in CLIENTS}

# How far each stage got through the standard checklist: its first N items are done.
DONE_BY_STAGE = {0: 0, 1: 2, 2: 6, 3: len(STANDARD_LAUNCH), 4: len(STANDARD_LAUNCH)}

TaskKey = tuple[str, int]  # (client business name, checklist position)


@dataclass(frozen=True)
class DemoTask:
    """One task of a client's checklist."""

    client: str  # business name
    partner: str  # slug of the partner the task belongs to
    position: int
    title: str
    client_visible: bool
    blocks_launch: bool
    done: bool
    due_offset: int | None  # days after the client's checklist started
    assignee: str | None  # email of the assigned member

    @property
    def key(self) -> TaskKey:
        return (self.client, self.position)


def checklist(client: DemoClient) -> tuple[DemoTask, ...]:
    """The standard checklist of a client its current partner actively works with, once past
    the lead stage: done up to the client's stage, except that a client held back by an open
    blocker still has the last of those blocking items open. The open internal work is assigned
    to the client's lead, if it has one; work shared with the merchant is not assigned."""
    if client.partner is None or client.access != AccessStatus.ACTIVE or client.stage == 0:
        return ()
    done_upto = DONE_BY_STAGE[client.stage]
    lead = next((e for e, role in client.assigned if role == AssignmentRole.LEAD), None)
    tasks = []
    for position, item in enumerate(STANDARD_LAUNCH, start=1):
        held_back = client.open_blocker and item.blocks_launch and position == done_upto
        done = position <= done_upto and not held_back
        tasks.append(
            DemoTask(
                client=client.name,
                partner=client.partner,
                position=position,
                title=item.title,
                client_visible=item.client_visible,
                blocks_launch=item.blocks_launch,
                done=done,
                due_offset=item.offset,
                assignee=lead if not done and not item.client_visible else None,
            )
        )
    return tuple(tasks)


TASKS: tuple[DemoTask, ...] = tuple(t for c in CLIENTS for t in checklist(c))
TASK_KEYS: tuple[TaskKey, ...] = tuple(t.key for t in TASKS)
_TASKS_BY_KEY: dict[TaskKey, DemoTask] = {t.key: t for t in TASKS}


@dataclass(frozen=True)
class Visibility:
    """Everything one user may read in the demo world, by human-readable key."""

    refused: bool
    clients: frozenset[str]  # business names
    partners: frozenset[str]  # slugs
    members: frozenset[str]  # emails of the partner members whose membership row is readable
    stores: frozenset[str]  # business names of the stores' clients
    assignments: frozenset[tuple[str, str]]  # (client business name, member email)
    tasks: frozenset[TaskKey]
    templates: frozenset[tuple[str, str]]  # (partner slug, template name)


def client_spec(name: str) -> DemoClient:
    return _CLIENTS_BY_NAME[name]


def task_spec(key: TaskKey) -> DemoTask:
    return _TASKS_BY_KEY[key]


def is_refused(email: str) -> bool:
    return USERS[email][1] == UserStatus.REMOVED


def is_platform_staff(email: str) -> bool:
    return USERS[email][2]


def membership(email: str) -> tuple[str, PartnerRole] | None:
    """(partner slug, role) of the user's active partner membership, if any."""
    for partner in PARTNERS:
        for member_email, role in partner.members:
            if member_email == email:
                return partner.slug, role
    return None


def invitation(email: str) -> tuple[str, PartnerRole] | None:
    """(partner slug, role) of the user's pending team invitation, if any."""
    return INVITATIONS.get(email)


def member_partner(member_email: str) -> str:
    """The partner of a partner_members row (an active membership or an invitation)."""
    found = membership(member_email) or invitation(member_email)
    assert found is not None, member_email
    return found[0]


def member_role(member_email: str) -> PartnerRole:
    found = membership(member_email) or invitation(member_email)
    assert found is not None, member_email
    return found[1]


def active_partners(client: DemoClient) -> frozenset[str]:
    """Partners whose access to the client is in force: active (the current one and any older
    ones) and not past its expiry."""
    slugs = {slug for slug, status in client.previous if status == AccessStatus.ACTIVE}
    if client.partner is not None and client.access == AccessStatus.ACTIVE:
        slugs.add(client.partner)
    return frozenset(s for s in slugs if (client.name, s) not in EXPIRED)


def scope_of(client_name: str, slug: str) -> AccessScope:
    """The scope of the partner's access to the client (FULL unless the merchant narrowed it)."""
    return SCOPES.get((client_name, slug), AccessScope.FULL)


def any_partners(client: DemoClient) -> frozenset[str]:
    """Partners with any access to the client, in force or not (current, earlier, requested):
    the merchant sees their names."""
    slugs = {slug for slug, _ in client.previous}
    slugs |= {slug for name, slug, _, _ in REQUESTS if name == client.name}
    if client.partner is not None:
        slugs.add(client.partner)
    return frozenset(slugs)


def merchant_clients(email: str) -> tuple[str, ...]:
    """The clients the user belongs to as a merchant, in demo order."""
    return tuple(c.name for c in CLIENTS if any(m == email for m, _ in c.merchants))


def works_on(email: str, client: DemoClient) -> bool:
    """Is the user partner staff who may work on the client (see it as its partner)?"""
    if is_refused(email):
        return False
    found = membership(email)
    if found is None:
        return False
    slug, role = found
    if slug not in active_partners(client):
        return False
    if role in MANAGING_ROLES:
        return True
    return any(assigned == email for assigned, _ in client.assigned)


def implements(email: str, client: DemoClient) -> bool:
    """Partner staff who work on the client within a scope that covers the implementation
    (FULL or IMPLEMENTATION): tasks, store set-up, launch."""
    found = membership(email)
    return (
        works_on(email, client)
        and found is not None
        and scope_of(client.name, found[0]) in (AccessScope.FULL, AccessScope.IMPLEMENTATION)
    )


def reads_client(email: str, client: DemoClient) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    if client.name in merchant_clients(email):
        return True
    return works_on(email, client)


def reads_partner(email: str, slug: str) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    if found is not None and found[0] == slug:
        return True
    invited = invitation(email)
    if invited is not None and invited[0] == slug:
        return True
    return any(slug in any_partners(client_spec(name)) for name in merchant_clients(email))


def reads_team(email: str, slug: str) -> bool:
    """May the user read the partner's members?"""
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    return found is not None and found[0] == slug


def reads_member(email: str, member_email: str) -> bool:
    """May the user read one partner_members row: the team's readers, and its own user."""
    if is_refused(email):
        return False
    return member_email == email or reads_team(email, member_partner(member_email))


def reads_task(email: str, task: DemoTask) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    if task.client_visible and task.client in merchant_clients(email):
        return True
    found = membership(email)
    return (
        found is not None
        and found[0] == task.partner
        and implements(email, client_spec(task.client))
    )


def reads_template(email: str, key: tuple[str, str]) -> bool:
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    return found is not None and found[0] == key[0]


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
        members=frozenset(m for m in MEMBER_EMAILS if reads_member(email, m)),
        stores=clients,
        assignments=frozenset(key for key in ASSIGNMENT_KEYS if key[0] in clients),
        tasks=frozenset(t.key for t in TASKS if reads_task(email, t)),
        templates=frozenset(k for k in TEMPLATE_KEYS if reads_template(email, k)),
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
    """The member emails `partner { members }` lists: the whole team with its pending
    invitations, for those who may read the team; nothing for anyone else."""
    if not reads_team(email, slug):
        return frozenset()
    return frozenset(m for m in MEMBER_EMAILS if member_partner(m) == slug)


def partner_templates(email: str, slug: str) -> frozenset[tuple[str, str]]:
    """The templates `partner { workflowTemplates }` lists."""
    return frozenset(k for k in visible(email).templates if k[0] == slug)


def assignees(email: str, client_name: str) -> frozenset[str]:
    """Emails of the members assigned to a client, as `client { assignees }` lists them."""
    return frozenset(m for c, m in visible(email).assignments if c == client_name)


def client_tasks(email: str, client_name: str) -> tuple[DemoTask, ...]:
    """The client's tasks the user may see, in checklist order."""
    keys = visible(email).tasks
    return tuple(t for t in TASKS if t.client == client_name and t.key in keys)


def open_task_count(email: str, client_name: str) -> int:
    return sum(1 for t in client_tasks(email, client_name) if not t.done)


def next_due_task(email: str, client_name: str) -> DemoTask | None:
    """The visible open task due soonest (ties: the earlier one in the checklist)."""
    due = [t for t in client_tasks(email, client_name) if not t.done and t.due_offset is not None]
    return min(due, key=lambda t: (t.due_offset, t.position), default=None)


def open_blocking_tasks(client_name: str) -> int:
    """Open launch-blocking tasks of the client's current partner: what holds the launch back,
    the same number whoever asks."""
    partner = client_spec(client_name).partner
    return sum(
        1
        for t in TASKS
        if t.client == client_name and t.partner == partner and t.blocks_launch and not t.done
    )


def viewer_memberships(email: str) -> tuple[tuple[str, str], ...]:
    """(member email, partner slug) of each of the user's own active memberships."""
    found = membership(email)
    if found is None or is_refused(email):
        return ()
    return ((email, found[0]),)


def viewer_invitations(email: str) -> tuple[tuple[str, str], ...]:
    """(member email, partner slug) of each of the user's pending invitations."""
    found = invitation(email)
    if found is None or is_refused(email):
        return ()
    return ((email, found[0]),)


# --- Writes -----------------------------------------------------------------------------------


def may_work_on(email: str, client_name: str) -> bool:
    """Manage the client's tasks, apply workflows, set up its store, launch it."""
    return implements(email, client_spec(client_name))


def may_assign(email: str, client_name: str) -> bool:
    """Staff the client (assign and unassign members): owners, admins and managers only."""
    found = membership(email)
    return (
        implements(email, client_spec(client_name))
        and found is not None
        and found[1] in MANAGING_ROLES
    )


def may_edit_task(email: str, task: DemoTask) -> bool:
    """Update, reopen or delete: the task's own partner's staff who work on the client."""
    found = membership(email)
    return (
        found is not None
        and found[0] == task.partner
        and implements(email, client_spec(task.client))
    )


def may_complete_task(email: str, task: DemoTask) -> bool:
    return may_edit_task(email, task) or (
        task.client_visible and task.client in merchant_clients(email) and not is_refused(email)
    )


def may_manage_templates(email: str, slug: str) -> bool:
    found = membership(email)
    return (
        not is_refused(email)
        and found is not None
        and found[0] == slug
        and (found[1] in MANAGING_ROLES)
    )


def may_manage_team(email: str, slug: str) -> bool:
    """Invite members: owners and admins."""
    found = membership(email)
    return (
        not is_refused(email)
        and found is not None
        and found[0] == slug
        and (found[1] in TEAM_ADMIN_ROLES)
    )


def may_change_member(email: str, member_email: str) -> bool:
    """Change a member's role (or remove them): the partner's owners; its admins unless the
    member is an owner."""
    found = membership(email)
    if is_refused(email) or found is None or found[0] != member_partner(member_email):
        return False
    if found[1] == PartnerRole.OWNER:
        return True
    return found[1] == PartnerRole.ADMIN and member_role(member_email) != PartnerRole.OWNER


def may_remove_member(email: str, member_email: str) -> bool:
    """Those who may change the member, and the member themselves (leaving)."""
    return may_change_member(email, member_email) or (
        member_email == email and not is_refused(email)
    )


def may_accept(email: str, member_email: str) -> bool:
    """Only the invited user accepts, and only a pending invitation."""
    return member_email == email and invitation(email) is not None and not is_refused(email)


# --- Consent ----------------------------------------------------------------------------------

# Every partner access of the demo world (current, earlier, requested):
# (client, partner slug, status).
ACCESS_KEYS: tuple[tuple[str, str, AccessStatus], ...] = (
    *(
        (c.name, c.partner, c.access)
        for c in CLIENTS
        if c.partner is not None and c.access is not None
    ),
    *((c.name, slug, status) for c in CLIENTS for slug, status in c.previous),
    *((name, slug, AccessStatus.REQUESTED) for name, slug, _, _ in REQUESTS),
)
# Every merchant membership: (client, merchant email).
MERCHANT_KEYS: tuple[tuple[str, str], ...] = tuple(
    (c.name, email) for c in CLIENTS for email, _ in c.merchants
)


def reads_access(email: str, key: tuple[str, str, AccessStatus]) -> bool:
    """An access (or request) is read by its partner's team, the client's merchant users and
    platform staff: never by another partner, another client's merchant or anyone else."""
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    return (found is not None and found[0] == key[1]) or key[0] in merchant_clients(email)


def reads_merchant_user(email: str, key: tuple[str, str]) -> bool:
    """A merchant membership is read by the client's merchant users (and its own user) and
    platform staff; never by any partner."""
    if is_refused(email):
        return False
    return is_platform_staff(email) or key[0] in merchant_clients(email) or key[1] == email


# --- Relationship, audit and money -----------------------------------------------------------
#
# Their rows are judged from their tenant keys and the facts the rules name (visibility, an
# invoice's status): the test reads those from the row, the oracle decides from the demo world
# who may see a row with those facts.


def merchant_role(email: str, client_name: str) -> MerchantRole | None:
    """The user's role in the client's business, if they are one of its merchant users."""
    return next((role for m, role in client_spec(client_name).merchants if m == email), None)


def reads_relationship_item(email: str, key: tuple[str, str | None, ItemVisibility]) -> bool:
    """A communication entry, support plan, time entry or client document, keyed by (client,
    slug of the partner whose team wrote it or None for a merchant's entry, visibility).
    INTERNAL: that partner's team alone, while it works on the client (every scope covers
    support). SHARED: the client's merchant users too, and whichever partner works on the
    client (later ones included). Platform staff read everything."""
    client_name, slug, visibility = key
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    if visibility == ItemVisibility.SHARED and client_name in merchant_clients(email):
        return True
    found = membership(email)
    if found is None or not works_on(email, client_spec(client_name)):
        return False
    return visibility == ItemVisibility.SHARED or found[0] == slug


def reads_revision(email: str, key: tuple[str, str | None, ItemVisibility, ItemVisibility]) -> bool:
    """What an edit replaced, keyed by (client, partner, visibility then, visibility of the
    entry now): read with its entry, and by a merchant only if it was shared then too."""
    client_name, slug, then, now = key
    was = reads_relationship_item(email, (client_name, slug, then))
    return was and reads_relationship_item(email, (client_name, slug, now))


def reads_audit_event(email: str, key: tuple[str | None, str | None]) -> bool:
    """An audit event, keyed by (client or None, partner slug or None): the partner's owners
    and admins read their partner's events (those on a client while they serve it); the
    client's merchant owner everything done to their business; platform staff all."""
    client_name, slug = key
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    if client_name is not None and merchant_role(email, client_name) == MerchantRole.MERCHANT_OWNER:
        return True
    found = membership(email)
    if found is None or found[0] != slug or found[1] not in TEAM_ADMIN_ROLES:
        return False
    return client_name is None or works_on(email, client_spec(client_name))


def bills(email: str, client_name: str, slug: str) -> bool:
    """Partner staff of `slug` who work on the client with a FULL access scope: billing is
    theirs (owners, admins and managers; an assigned specialist reads it)."""
    found = membership(email)
    return (
        found is not None
        and found[0] == slug
        and works_on(email, client_spec(client_name))
        and scope_of(client_name, slug) == AccessScope.FULL
    )


def reads_billing_terms(email: str, key: tuple[str, str]) -> bool:
    """Billing terms, keyed by (client, partner slug): the partner's billing staff, the
    client's merchant owner, platform staff."""
    client_name, slug = key
    if is_refused(email):
        return False
    return (
        is_platform_staff(email)
        or merchant_role(email, client_name) == MerchantRole.MERCHANT_OWNER
        or bills(email, client_name, slug)
    )


def reads_invoice(email: str, key: tuple[str, str, str]) -> bool:
    """An invoice (or one of its lines), keyed by (client, partner slug, invoice status): the
    partner's billing staff, platform staff, and the client's merchant owner once it is issued
    (never a draft)."""
    client_name, slug, status = key
    if is_refused(email):
        return False
    if is_platform_staff(email) or bills(email, client_name, slug):
        return True
    return status != "draft" and merchant_role(email, client_name) == MerchantRole.MERCHANT_OWNER


def partner_tier(slug: str) -> str:
    return next(str(p.tier) for p in PARTNERS if p.slug == slug)


def reads_commission_terms(email: str, key: tuple[str | None, str | None]) -> bool:
    """Commission terms, keyed by (partner slug of an override or None, tier of a program
    rate or None): the owners and admins of the partner they apply to, platform staff."""
    slug, tier = key
    if is_refused(email):
        return False
    if is_platform_staff(email):
        return True
    found = membership(email)
    if found is None or found[1] not in TEAM_ADMIN_ROLES:
        return False
    return found[0] == slug if slug is not None else tier == partner_tier(found[0])


def reads_commission(email: str, slug: str) -> bool:
    """A commission, keyed by its partner: that partner's owners and admins, platform staff."""
    if is_refused(email):
        return False
    found = membership(email)
    return is_platform_staff(email) or (
        found is not None and found[0] == slug and found[1] in TEAM_ADMIN_ROLES
    )


def reads_payout(email: str, slug: str) -> bool:
    """A payout (or a carried-forward balance), keyed by its partner: as its commissions, that
    partner's owners and admins, and platform staff."""
    return reads_commission(email, slug)


def reads_saved_report(email: str, slug: str) -> bool:
    """A saved report, keyed by its partner: every member of that partner's team, and platform
    staff; never a merchant or another partner."""
    if is_refused(email):
        return False
    found = membership(email)
    return is_platform_staff(email) or (found is not None and found[0] == slug)


def reads_webhooks(email: str, slug: str) -> bool:
    """A webhook endpoint or a delivery of its log, keyed by its partner: that partner's owners
    and admins, and platform staff (never a manager, specialist, merchant or other partner)."""
    return reads_commission(email, slug)


def staff_only(email: str, _key: object) -> bool:
    """Subscription charges come from platform billing: platform staff alone read them."""
    return not is_refused(email) and is_platform_staff(email)


# --- Rows by table (the property-based isolation test) ---------------------------------------


def reads_user(email: str, user_email: str) -> bool:
    """A user's own profile, and the users behind the memberships and assignments the user may
    read (a team's members, who works on a client)."""
    if is_refused(email):
        return False
    seen = visible(email)
    return (
        user_email == email
        or user_email in seen.members
        or any(member == user_email for _, member in seen.assignments)
        or is_platform_staff(email)
    )


def reads_row(email: str, table: str, key: object) -> bool:
    """May the user read the row of `table` whose human-readable key is `key` (as the tables'
    keys are given above: a client's business name, a partner's slug, a member's email, ...)?
    A table the oracle does not know yet raises: teach it before the row can be judged."""
    seen = visible(email)
    readers: dict[str, frozenset[object]] = {
        "clients": frozenset(seen.clients),
        "stores": frozenset(seen.stores),
        "partners": frozenset(seen.partners),
        "partner_members": frozenset(seen.members),
        "assignments": frozenset(seen.assignments),
        "tasks": frozenset(seen.tasks),
        "workflow_templates": frozenset(seen.templates),
        # An item of a template: readable with its template (keyed by the template's key).
        "workflow_template_items": frozenset(seen.templates),
        # A user's idempotency keys are never shown, not even to the user.
        "idempotency_keys": frozenset(),
    }
    if table == "users":
        # (email, the rows that name the user: [(table, key), ...]): a user is read with any
        # row the viewer may read that shows them (an entry's author, who acted, ...).
        assert isinstance(key, tuple)
        user_email, named_on = key
        return reads_user(email, user_email) or any(
            reads_row(email, named_table, named_key) for named_table, named_key in named_on
        )
    judged: dict[str, Callable[[str, Any], bool]] = {
        "partner_accesses": reads_access,
        "client_users": reads_merchant_user,
        "communications": reads_relationship_item,
        "support_plans": reads_relationship_item,
        "time_entries": reads_relationship_item,
        "client_documents": reads_relationship_item,
        "communication_revisions": reads_revision,
        "audit_events": reads_audit_event,
        "billing_terms": reads_billing_terms,
        "invoices": reads_invoice,
        "invoice_lines": reads_invoice,
        "commission_terms": reads_commission_terms,
        "commissions": reads_commission,
        "subscription_charges": staff_only,
        "payouts": reads_payout,
        "saved_reports": reads_saved_report,
        "webhook_endpoints": reads_webhooks,
        "webhook_deliveries": reads_webhooks,
        # Jobs that failed their last attempt belong to the platform.
        "failed_jobs": staff_only,
    }
    if table in judged:
        return judged[table](email, key)
    if table not in readers:
        raise KeyError(f"the oracle does not know who may read rows of {table!r}")
    return key in readers[table]
