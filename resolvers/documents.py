"""Trusted documents: GraphQL documents registered once (from the command line, or by platform
staff through `registerDocument`) that clients may then send by their SHA-256 alone, and that a
server running with SHOPIQ_TRUSTED_DOCUMENTS_ONLY restricts itself to.

A document is identified by the hash of its exact text, so registering the same text again finds
the row already there (whatever name it is given). Checking a document against the schema is
the caller's (`validate`): this layer does not know the schema."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from graphql import OperationDefinitionNode, parse
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import TRUSTED_DOCUMENT_LIMIT, TrustedDocument
from resolvers.changes import Changes, cleaned
from resolvers.context import Context
from resolvers.mutations import Outcome, transact
from resolvers.problems import ErrorCode, Problem, Refused, refuse

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
DOCUMENT_FIELD = "document"
NAME_FIELD = "name"

# Problems of a document against the schema (syntax or validation), each a readable message.
Validate = Callable[[str], Sequence[str]]


def sha256_of(text: str) -> str:
    """The lower-case hex SHA-256 of the text's UTF-8 bytes, as Apollo clients compute it. A text
    that is not valid Unicode (a lone surrogate) still gets a hash, which matches no document."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Registered:
    document: TrustedDocument
    created: bool  # False: the same text was registered before (under `document.name`)


async def find_document(session: AsyncSession, sha256: str) -> str | None:
    """The registered text with that hash, or None: one lookup on the unique index."""
    stmt = select(TrustedDocument.document).where(TrustedDocument.sha256 == sha256)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_documents(session: AsyncSession) -> list[TrustedDocument]:
    stmt = select(TrustedDocument).order_by(TrustedDocument.name, TrustedDocument.id)
    return list((await session.execute(stmt)).scalars())


async def store_document(
    session: AsyncSession, text: str, name: str, user_id: int | None = None
) -> Registered:
    """Stores the (already validated) text unless the same text is there: idempotent, also
    against a concurrent registration of the same text (the insert does nothing then)."""
    sha256 = sha256_of(text)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(TrustedDocument)
        .values(sha256=sha256, document=text, name=name, registered_by_user_id=user_id)
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(TrustedDocument.id)
    )
    created = (await session.execute(stmt)).scalar_one_or_none() is not None
    row = (
        await session.execute(select(TrustedDocument).where(TrustedDocument.sha256 == sha256))
    ).scalar_one()
    return Registered(row, created)


def document_problem(text: str, validate: Validate) -> Problem | None:
    """Why the text cannot be registered (too long, not text, not valid against the schema),
    or None."""
    if len(text) > TRUSTED_DOCUMENT_LIMIT:
        message = f"Use at most {TRUSTED_DOCUMENT_LIMIT} characters."
        return Problem.at(DOCUMENT_FIELD, message, ErrorCode.TOO_LONG)
    if "\x00" in text or not _encodable(text):
        return Problem.at(DOCUMENT_FIELD, "The document is not valid text.", ErrorCode.INVALID)
    problems = validate(text)
    if problems:
        return Problem.at(DOCUMENT_FIELD, " ".join(problems), ErrorCode.INVALID)
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def operation_name(text: str) -> str | None:
    """The name of the document's one operation (the document is valid); None when it has
    several, or one without a name."""
    definitions = parse(text, no_location=True).definitions
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        return None
    return operations[0].name.value


async def register_document(
    ctx: Context, text: str, name: str | None, validate: Validate
) -> Outcome[TrustedDocument]:
    """Registers the document for every client (platform staff only). `name` defaults to the
    name of its one operation. The same text again returns the document registered before."""

    async def work(session: AsyncSession) -> TrustedDocument:
        # Nothing to look up first: the permission is on the (new) document, and it comes before
        # anything is said about the document, so every lesser role gets the same answer.
        if not ctx.authz.allowed(ctx.viewer, "register", TrustedDocument(document=text)):
            message = "Your role does not allow registering documents."
            raise refuse(None, message, ErrorCode.FORBIDDEN)
        problem = document_problem(text, validate)
        if problem is not None:
            raise Refused(problem)
        given = {NAME_FIELD: name} if name is not None else {}
        values = cleaned(TrustedDocument, Changes(given, {NAME_FIELD: (NAME_FIELD,)}))
        chosen = values.get(NAME_FIELD) or operation_name(text)
        if not chosen:
            message = "Name the document: it has no single named operation."
            raise refuse(NAME_FIELD, message, ErrorCode.REQUIRED)
        return (await store_document(session, text, chosen, ctx.viewer.user_id)).document

    return await transact(ctx, work)
