"""The client relationship in the demo world: Lumen Candles' communication log (internal notes,
shared messages both ways, a thread, an edited entry), its support plan with history and this
month's time (over the included minutes), and the handover of Quill & Ink Stationery, whose
merchant took it over from Northwind and acknowledged one of the shared documents."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.enums import CommunicationKind, DocumentKind, Visibility
from db.models import Client, Partner, PartnerMember, User
from db.relationship import (
    ClientDocument,
    Communication,
    CommunicationRead,
    CommunicationRevision,
    SupportPlan,
    TimeEntry,
)

LUMEN = "Lumen Candles"
HANDED_OVER = "Quill & Ink Stationery"
NORTHWIND = "northwind-digital"
K, V = CommunicationKind, Visibility


def _months_ago(today: date, months: int) -> date:
    first = today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


async def seed_relationship(session: AsyncSession) -> None:
    now = utcnow()
    today = now.date()
    users = dict((await session.execute(select(User.email, User.id))).all())
    clients = dict((await session.execute(select(Client.business_name, Client.id))).all())
    northwind = (
        await session.execute(select(Partner.id).where(Partner.slug == NORTHWIND))
    ).scalar_one()
    members = dict(
        (
            await session.execute(
                select(PartnerMember.user_id, PartnerMember.id).where(
                    PartnerMember.partner_id == northwind
                )
            )
        ).all()
    )
    owner, specialist = users["owner@northwind.test"], users["specialist@northwind.test"]
    merchant = users["merchant@lumen-candles.test"]
    lumen = clients[LUMEN]

    def entry(
        days_ago: int,
        author: int,
        kind: CommunicationKind,
        visibility: Visibility,
        body: str,
        subject: str | None = None,
        parent: Communication | None = None,
    ) -> Communication:
        row = Communication(
            client_id=lumen,
            partner_id=northwind,
            kind=kind,
            subject=subject,
            body=body,
            author_user_id=author,
            occurred_at=now - timedelta(days=days_ago, hours=2),
            visibility=visibility,
            parent_id=parent.id if parent else None,
        )
        session.add(row)
        return row

    kickoff = entry(
        20,
        owner,
        K.MEETING,
        V.SHARED,
        "Kick-off: launch scope, timeline and who does what.",
        subject="Kick-off meeting",
    )
    await session.flush()
    entry(
        19,
        specialist,
        K.NOTE,
        V.INTERNAL,
        "Budget is tight; keep the theme work lean.",
        parent=kickoff,
    )
    question = entry(
        6,
        merchant,
        K.MESSAGE,
        V.SHARED,
        "Can we add gift wrapping at checkout?",
        subject="Gift wrapping",
    )
    await session.flush()
    entry(5, specialist, K.NOTE, V.INTERNAL, "Needs an app; quote two hours.", parent=question)
    entry(
        5,
        owner,
        K.MESSAGE,
        V.SHARED,
        "Yes: about two hours of support time, next week.",
        parent=question,
    )
    call = entry(
        2,
        specialist,
        K.CALL,
        V.SHARED,
        "Walked through the DNS change together.",
        subject="DNS call",
    )
    await session.flush()
    # The call's summary was corrected once; the first text is kept.
    session.add(
        CommunicationRevision(
            communication_id=call.id,
            client_id=lumen,
            partner_id=northwind,
            version=1,
            subject="DNS call",
            body="Walked through the DNS change.",
            visibility=V.SHARED,
            edited_by_user_id=specialist,
            edited_at=now - timedelta(days=2),
        )
    )
    call.version = 2
    await session.flush()
    # The owner has read everything up to the merchant's question; what came after is unread.
    session.add(CommunicationRead(user_id=owner, client_id=lumen, last_read_id=question.id))

    # Support: a first plan, replaced by the current one; this month's time runs over.
    start = _months_ago(today, 3)
    session.add_all(
        [
            SupportPlan(
                client_id=lumen,
                partner_id=northwind,
                in_scope="Email questions about the store.",
                included_minutes=120,
                first_response_hours=48,
                channel_email=True,
                channel_phone=False,
                channel_chat=False,
                starts_on=_months_ago(today, 5),
                ends_on=start - timedelta(days=1),
                superseded_at=now - timedelta(days=95),
                set_by_user_id=owner,
            ),
        ]
    )
    await session.flush()
    session.add(
        SupportPlan(
            client_id=lumen,
            partner_id=northwind,
            in_scope="Store questions, theme tweaks, app set-up, DNS and payment issues.",
            out_of_scope="New features, redesigns, content writing.",
            included_minutes=240,
            first_response_hours=24,
            channel_email=True,
            channel_phone=False,
            channel_chat=True,
            starts_on=start,
            set_by_user_id=owner,
        )
    )
    for minutes, billable, visibility, description in (
        (180, True, V.SHARED, "Gift wrapping app set-up and testing."),
        (120, True, V.INTERNAL, "Untangled the theme's custom code."),
        (30, False, V.INTERNAL, "Team review of the support queue."),
    ):
        session.add(
            TimeEntry(
                client_id=lumen,
                partner_id=northwind,
                member_id=members[specialist],
                user_id=specialist,
                work_date=today,
                minutes=minutes,
                description=description,
                billable=billable,
                visibility=visibility,
            )
        )

    # The handed-over client: Northwind's documents, one acknowledged by the merchant.
    quill = clients[HANDED_OVER]
    quill_owner = users["merchant@quill-ink.test"]
    for title, kind, visibility, acknowledged in (
        ("Store operations handbook", DocumentKind.HANDOVER, V.SHARED, True),
        ("Admin training recording", DocumentKind.TRAINING, V.SHARED, False),
        ("Statement of work and margins", DocumentKind.CONTRACT, V.INTERNAL, False),
    ):
        session.add(
            ClientDocument(
                client_id=quill,
                partner_id=northwind,
                title=title,
                kind=kind,
                url=f"https://docs.northwind.example/quill/{kind.value}",
                visibility=visibility,
                author_user_id=owner,
                acknowledged_at=now - timedelta(days=6) if acknowledged else None,
                acknowledged_by_user_id=quill_owner if acknowledged else None,
            )
        )
    session.add(
        Communication(
            client_id=quill,
            partner_id=northwind,
            kind=K.EMAIL,
            subject="Handover",
            body="Everything you need to run the store is in the shared documents.",
            author_user_id=owner,
            occurred_at=now - timedelta(days=7),
            visibility=V.SHARED,
        )
    )
    await session.flush()
