"""The audit trail: events as GraphQL types, their filter, and the two pieces of plumbing the
capture needs from the schema: each mutation's name (the event's action) and the GraphQL type
name of each model (the event's target type)."""

from __future__ import annotations

import inspect
import sys
import typing
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.scalars import JSON
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from db.audit import AuditEvent as AuditEventRow
from db.audit import AuditOperation
from db.audit_capture import register_target_type
from resolvers.audit_queries import AuditFilter, get_audit_event
from resolvers.changes import UNKNOWN_ID
from schema.info import Info
from schema.relay import NODES, LazyNode, Node, RowType, from_global_id, id_of, node, to_global_id
from schema.users import User, load_user

if TYPE_CHECKING:
    from schema.clients import Client
    from schema.partners import Partner

PARTNER: LazyNode[Partner] = LazyNode("Partner")
CLIENT: LazyNode[Client] = LazyNode("Client")

strawberry.enum(AuditOperation, description="What a change did to its object.")
for _value in AuditOperation.__strawberry_definition__.values:  # type: ignore[attr-defined]  # set by strawberry.enum
    _value.description = {
        AuditOperation.CREATE: "The object was created.",
        AuditOperation.UPDATE: "Fields of the object changed.",
        AuditOperation.DELETE: "The object was deleted.",
    }[_value.value]


@strawberry.type(description="One field of an object, before and after a change.")
class AuditChange:
    field: str = strawberry.field(description="The field's name, as the API spells it.")
    before: JSON | None = strawberry.field(
        description="The value before (null: none, the object was new, or hidden from you)."
    )
    after: JSON | None = strawberry.field(
        description="The value after (null: none, the object was deleted, or hidden from you)."
    )


@node(get_audit_event)
@strawberry.type(
    description="Who changed what, when: one object a mutation created, changed or deleted, "
    "recorded in the mutation's own transaction."
)
class AuditEvent(RowType, Node):
    id: strawberry.ID = strawberry.field(description="Opaque global id.")
    occurred_at: datetime = strawberry.field(description="When the change was saved (UTC).")
    action: str = strawberry.field(description='The mutation that made it, e.g. "onboardClient".')
    operation: AuditOperation = strawberry.field(description="Created, changed or deleted.")
    target_type: str = strawberry.field(description='The type of the object, e.g. "Task".')
    internal: bool = strawberry.field(
        description="The object was internal to the partner's team (before or after the "
        "change): a merchant sees that it changed, never its values."
    )
    request_id: str = strawberry.field(
        description="The request that made the change (as in the `X-Request-Id` header)."
    )
    actor_service: str | None = strawberry.field(
        description="The service that made the change, when no user did."
    )
    _row: strawberry.Private[AuditEventRow]

    @strawberry.field(description="The object's global id (it may no longer exist).")
    def target_id(self) -> strawberry.ID:
        return to_global_id(self._row.target_type, self._row.target_id)

    @strawberry.field(description="Who made the change; null for a service.")
    async def actor(self, info: Info) -> User | None:
        if self._row.actor_user_id is None:
            return None
        return await load_user(info, self._row.actor_user_id)

    @strawberry.field(description="The client the change concerns, if any and visible.")
    async def client(
        self, info: Info
    ) -> Annotated[Client, strawberry.lazy("schema.clients")] | None:
        if self._row.client_id is None:
            return None
        return CLIENT.maybe(await info.context.loaders.client.load(self._row.client_id))

    @strawberry.field(description="The partner the change concerns, if any and visible.")
    async def partner(
        self, info: Info
    ) -> Annotated[Partner, strawberry.lazy("schema.partners")] | None:
        if self._row.partner_id is None:
            return None
        return PARTNER.maybe(await info.context.loaders.partner.load(self._row.partner_id))

    @strawberry.field(
        description="True when the values are hidden from you (internal work, seen by the "
        "merchant): `changes` then names the fields with null values."
    )
    async def values_hidden(self, info: Info) -> bool:
        allowed: bool = await info.context.loaders.audit_values.load(self._row.id)
        return not allowed

    @strawberry.field(
        description='The fields that changed, in name order. Secret values always read "[secret]".'
    )
    async def changes(self, info: Info) -> list[AuditChange]:
        shown: bool = await info.context.loaders.audit_values.load(self._row.id)
        return [
            AuditChange(
                field=to_camel_case(name),
                before=values.get("before") if shown else None,
                after=values.get("after") if shown else None,
            )
            for name, values in sorted(self._row.changes.items())
        ]


@strawberry.input(description="Narrow an audit trail; every condition given must hold.")
class AuditEventFilterInput:
    actor_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes made by this User."
    )
    action: str | None = strawberry.field(
        default=None, description='Only changes made by this mutation, e.g. "updateTask".'
    )
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only changes of this object (any global id)."
    )
    target_type: str | None = strawberry.field(
        default=None, description='Only changes of objects of this type, e.g. "Store".'
    )
    since: datetime | None = strawberry.field(
        default=None, description="Only changes at or after this time."
    )
    until: datetime | None = strawberry.field(
        default=None, description="Only changes before this time."
    )

    def to_filter(self) -> AuditFilter:
        target_type, target_id = self.target_type, None
        if self.target_id is not None:
            decoded = from_global_id(self.target_id)
            target_type, target_id = decoded if decoded else (target_type, UNKNOWN_ID)
        actor = None
        if self.actor_id is not None:
            actor = id_of(self.actor_id, "User") or UNKNOWN_ID
        return AuditFilter(
            actor_user_id=actor,
            action=self.action,
            target_type=target_type,
            target_id=target_id,
            since=self.since,
            until=self.until,
        )


# --- What the capture needs from the schema ---------------------------------------------------


class NamesAction(FieldExtension):
    """Around a mutation field: the request's context names the running mutation, which the
    audit trail records as each event's action (mutations run one after another)."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        info.context.action = info.field_name
        try:
            return next_(source, info, **kwargs)
        finally:
            info.context.action = None

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        info.context.action = info.field_name
        try:
            return await next_(source, info, **kwargs)
        finally:
            info.context.action = None


def audit_mutations(mutation: type) -> None:
    """Every field of the Mutation type names its action; every Node type's model its target
    type."""
    for field in get_object_definition(mutation, strict=True).fields:
        if not any(isinstance(e, NamesAction) for e in field.extensions):
            field.extensions.append(NamesAction())
    for type_name, (_, node_type) in NODES.items():
        model = row_model(node_type)
        if model is not None:
            register_target_type(model, type_name)


def row_model(node_type: type) -> type | None:
    """The model behind a RowType: its `_row: strawberry.Private[Model]` annotation."""
    for cls in node_type.__mro__:
        annotation = inspect.get_annotations(cls).get("_row")
        if annotation is None:
            continue
        if isinstance(annotation, str):
            annotation = eval(
                annotation, vars(sys.modules[cls.__module__])
            )  # our own annotation text
        args = typing.get_args(annotation)
        found = args[0] if args else annotation
        return found if isinstance(found, type) else None
    return None
