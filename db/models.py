"""The tables of the partner graph. Every tenant-owned row carries its tenant key
(partner_id and/or client_id) so the policy filter and any future sharding can use it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    false,
    func,
    literal_column,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from db.base import Base, Timestamps, str_enum, utcnow
from db.enums import (
    AccessStatus,
    AssignmentRole,
    CatalogStatus,
    ClientStatus,
    ClientUserStatus,
    DomainStatus,
    KycStatus,
    LaunchStatus,
    LogisticsStatus,
    MemberStatus,
    MerchantRole,
    PartnerRole,
    PartnerTier,
    PaymentProvider,
    PaymentStatus,
    Responsible,
    TaskCategory,
    TaskStatus,
    TaxStatus,
    UserStatus,
)

# Longest note a partner may send with an access request.
ACCESS_MESSAGE_LIMIT = 2_000

# Longest description a task or workflow item takes; Text columns carry their limit in `info`.
DESCRIPTION_LIMIT = 10_000


class User(Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[UserStatus] = mapped_column(str_enum(UserStatus), default=UserStatus.ACTIVE)
    is_platform_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the user was removed. Grants and tokens from before it stay void even if the user is
    # invited again later, so a new invitation never revives old access (of any tenant).
    removed_at: Mapped[datetime | None]


class Partner(Timestamps, Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    tier: Mapped[PartnerTier] = mapped_column(str_enum(PartnerTier), default=PartnerTier.REGISTERED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class PartnerMember(Timestamps, Base):
    __tablename__ = "partner_members"
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[PartnerRole] = mapped_column(str_enum(PartnerRole))
    # Invited members hold no grants until the invited user accepts.
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus), default=MemberStatus.ACTIVE, server_default="active"
    )
    invited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The name the inviter typed: shown for a pending invitation instead of the user's own profile.
    invited_name: Mapped[str | None] = mapped_column(String(200))
    accepted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class Client(Timestamps, Base):
    """One merchant business = one ShopIQ account. partner_id is the current partner: set when an
    access is activated, cleared when it ends (resolvers/access.py). Whether that partner may
    see the client is PartnerAccess's call; the policy compares both, so that a partner's list
    of clients is read from its own rows (policies/authorization.polar "partner_book")."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    business_name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[ClientStatus] = mapped_column(str_enum(ClientStatus), default=ClientStatus.LEAD)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}
    __table_args__ = (Index("ix_clients_business_name_id", "business_name", "id"),)


class ClientUser(Timestamps, Base):
    __tablename__ = "client_users"
    __table_args__ = (UniqueConstraint("client_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MerchantRole] = mapped_column(str_enum(MerchantRole))
    # An invited merchant user holds no grant until they accept (acceptClientInvitation).
    status: Mapped[ClientUserStatus] = mapped_column(
        str_enum(ClientUserStatus), default=ClientUserStatus.ACTIVE, server_default="active"
    )
    invited_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class PartnerAccess(Timestamps, Base):
    """The partner <-> client relationship. At most one active access per client."""

    __tablename__ = "partner_accesses"
    __table_args__ = (
        Index(
            "uq_partner_accesses_active_client",
            "client_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # The policy's "is this client's access the viewer's partner's" lookup matches both
        # columns; with one index per column SQLite without statistics may pick partner_id's
        # and scan all of a partner's accesses per client (db/statistics.py).
        Index("ix_partner_accesses_client_id_partner_id", "client_id", "partner_id"),
        # A partner's accesses in force, for the policy's "which clients does this partner
        # serve" (every list and batch of a partner's team reads it): only active rows, with
        # the columns the policy compares, so PostgreSQL reads them from the index alone.
        Index(
            "ix_partner_accesses_live",
            "partner_id",
            "client_id",
            postgresql_include=["scope", "expires_at"],
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[AccessStatus] = mapped_column(str_enum(AccessStatus))
    # An AccessScope value: what the partner may do (the policy reads it, policies/*.polar).
    scope: Mapped[str] = mapped_column(String(32), default="full")
    requested_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # After this moment the policy treats the access as ended (see `live`); no job needed.
    expires_at: Mapped[datetime | None] = mapped_column()
    # The partner's note to the merchant with a request.
    message: Mapped[str | None] = mapped_column(Text, info={"max_length": ACCESS_MESSAGE_LIMIT})
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who approved, declined, revoked or ended it.
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    # Whether the access is in force: active and not past its expiry. An SQL expression, not a
    # value computed in Python, so that the policy filter (cached and reused across requests)
    # compares with the database's clock each time it runs.
    live: Mapped[bool] = column_property(
        and_(
            # A literal, not a bound parameter: a prepared statement's generic plan can then
            # use the partial indexes on active accesses (a parameter could be any status).
            status == literal_column(f"'{AccessStatus.ACTIVE.value}'"),
            or_(expires_at.is_(None), expires_at > func.now()),
        ),
        deferred=True,
    )


class Assignment(Timestamps, Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("client_id", "member_id"),
        # As PartnerAccess's: the policy looks assignments up by client and partner together.
        Index("ix_assignments_client_id_partner_id", "client_id", "partner_id"),
        # A partner's assignments, of some clients when client_id follows: with partner_id
        # alone, a prepared statement's generic plan took every assignment of a large partner
        # to keep a batch's (1,500 read for 150).
        Index("ix_assignments_partner_id_client_id", "partner_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("partner_members.id"), index=True)
    # The member's user, copied (a membership never changes user) so a merchant can see who works
    # on their store without being able to read the partner's team.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(str_enum(AssignmentRole))


class Store(Timestamps, Base):
    """The client's one website: client_id is UNIQUE."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    subdomain: Mapped[str] = mapped_column(String(63), unique=True)
    custom_domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    domain_status: Mapped[DomainStatus] = mapped_column(
        str_enum(DomainStatus), default=DomainStatus.NOT_CONNECTED
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.NOT_STARTED
    )
    logistics_status: Mapped[LogisticsStatus] = mapped_column(
        str_enum(LogisticsStatus), default=LogisticsStatus.NOT_STARTED
    )
    catalog_status: Mapped[CatalogStatus] = mapped_column(
        str_enum(CatalogStatus), default=CatalogStatus.EMPTY
    )
    launch_status: Mapped[LaunchStatus] = mapped_column(
        str_enum(LaunchStatus), default=LaunchStatus.NOT_LAUNCHED
    )
    launched_at: Mapped[datetime | None]
    # Domain: the TXT record token the merchant publishes, and the last check's outcome.
    domain_verification_token: Mapped[str | None] = mapped_column(String(64))
    domain_failure_reason: Mapped[str | None] = mapped_column(String(500))
    domain_checked_at: Mapped[datetime | None]
    # Payments
    payment_provider: Mapped[PaymentProvider | None] = mapped_column(str_enum(PaymentProvider))
    payment_rejection_reason: Mapped[str | None] = mapped_column(String(500))
    # Logistics
    logistics_provider: Mapped[str | None] = mapped_column(String(100))
    shipping_zone_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    shipping_method_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Catalog
    product_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    category_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    catalog_failure_reason: Mapped[str | None] = mapped_column(String(500))
    # Brand and policies
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    theme: Mapped[str] = mapped_column(
        String(64), default="essentials", server_default="essentials"
    )
    theme_customized: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    refund_policy_published: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    shipping_policy_published: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    privacy_policy_published: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    terms_policy_published: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Compliance: the merchant's own verification and tax registration, and who handles each.
    kyc_status: Mapped[KycStatus] = mapped_column(
        str_enum(KycStatus), default=KycStatus.NOT_STARTED, server_default="not_started"
    )
    kyc_responsible: Mapped[Responsible] = mapped_column(
        str_enum(Responsible, "kyc_responsible"),
        default=Responsible.MERCHANT,
        server_default="merchant",
    )
    tax_status: Mapped[TaxStatus] = mapped_column(
        str_enum(TaxStatus), default=TaxStatus.NOT_STARTED, server_default="not_started"
    )
    tax_responsible: Mapped[Responsible] = mapped_column(
        str_enum(Responsible, "tax_responsible"),
        default=Responsible.MERCHANT,
        server_default="merchant",
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class Task(Timestamps, Base):
    """Launch checklist and pending work. partner_id is the partner that owns the task: another
    partner that later works with the same client never sees it."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_client_position", "client_id", "position", "id"),
        # A batch's tasks of its clients and of the viewer's partner (the policy's condition)
        # in one index range: with client_id alone, PostgreSQL intersected it with all of the
        # partner's tasks (partner_id's index) and read ten times the rows it kept.
        Index("ix_tasks_client_id_partner_id", "client_id", "partner_id"),
        Index("ix_tasks_partner_status_due", "partner_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": DESCRIPTION_LIMIT})
    category: Mapped[TaskCategory] = mapped_column(str_enum(TaskCategory))
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.TODO)
    assignee_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_members.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[date | None] = mapped_column(Date)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    blocks_launch: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime | None]
    completed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    # Whether the task's own partner still has access in force to the client (for the policy:
    # a previous partner's shared tasks stay readable to the merchant as history, not tickable).
    partner_live: Mapped[bool] = column_property(
        exists()
        .where(
            PartnerAccess.client_id == client_id,
            PartnerAccess.partner_id == partner_id,
            PartnerAccess.live,
        )
        .correlate_except(PartnerAccess),
        deferred=True,
    )


class WorkflowTemplate(Timestamps, Base):
    """A partner's repeatable workflow: a named task list with due dates relative to applying."""

    __tablename__ = "workflow_templates"
    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__: dict[str, Any] = {"version_id_col": version}


class WorkflowTemplateItem(Timestamps, Base):
    __tablename__ = "workflow_template_items"
    __table_args__ = (
        Index("ix_workflow_template_items_template_position", "template_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_templates.id", ondelete="CASCADE")
    )
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, info={"max_length": DESCRIPTION_LIMIT})
    category: Mapped[TaskCategory] = mapped_column(str_enum(TaskCategory))
    due_offset_days: Mapped[int | None] = mapped_column(Integer)
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    blocks_launch: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


# Longest GraphQL document (operation text) that may be registered as trusted.
TRUSTED_DOCUMENT_LIMIT = 100_000


class TrustedDocument(Base):
    """A registered ("trusted", persisted) GraphQL document: clients may send its SHA-256 instead
    of its text. Platform configuration, not tenant data: documents hold no data and are shared by
    every tenant, so the table has no tenant key. Rows never change; the hash is the identity."""

    __tablename__ = "trusted_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-case hex SHA-256 of the UTF-8 text, exactly as clients compute it.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[str] = mapped_column(Text, info={"max_length": TRUSTED_DOCUMENT_LIMIT})
    # The operation's name, or the file it came from.
    name: Mapped[str] = mapped_column(String(200))
    # Null when registered from the command line (`shopiq documents add`).
    registered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


# Tables of other domains live in their own modules; imported here so that whoever collects the
# metadata through db.models (Alembic, the tests, the demo, the permission table) gets them too.
from db import access as _access  # noqa: E402, F401
from db import audit  # noqa: E402, F401
from db import bulk as _bulk  # noqa: E402, F401
from db import events as _events  # noqa: E402, F401
from db import jobs as _jobs  # noqa: E402, F401
from db import money as _money  # noqa: E402, F401
from db import payouts as _payouts  # noqa: E402, F401
from db import webhooks as _webhooks  # noqa: E402, F401
from db.idempotency import IdempotencyKey  # noqa: E402, F401
from db.notifications import NotificationPreference as NotificationPreference  # noqa: E402
from db.notifications import SentMail as SentMail  # noqa: E402
from db.rate_limit import RateLimitBucket  # noqa: E402, F401
from db.relationship import ClientDocument as ClientDocument  # noqa: E402
from db.relationship import Communication as Communication  # noqa: E402
from db.relationship import CommunicationRead as CommunicationRead  # noqa: E402
from db.relationship import CommunicationRevision as CommunicationRevision  # noqa: E402
from db.relationship import SupportPlan as SupportPlan  # noqa: E402
from db.relationship import TimeEntry as TimeEntry  # noqa: E402
from db.reports import SavedReport as SavedReport  # noqa: E402
