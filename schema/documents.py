"""Trusted documents: the type, `registerDocument`, and checking a document against the schema
(shared with `shopiq documents add`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError, GraphQLSchema, parse, specified_rules, validate

from db import models
from resolvers import documents as document_service
from schema.errors import UserError, user_errors
from schema.info import Info
from schema.limits import DEFAULT_LIMITS, VALIDATION_RULES

# A registered document is parsed once per process and then run as any other; this caps the
# work of checking one (graphql-core counts tokens before it builds anything big).
MAX_DOCUMENT_TOKENS = DEFAULT_LIMITS.max_tokens  # what the server would run


def document_errors(schema: GraphQLSchema, text: str) -> list[str]:
    """Why the document would not run against the schema (syntax, validation, the depth and
    alias limits), as messages; empty when it is a valid document."""
    try:
        ast = parse(text, max_tokens=MAX_DOCUMENT_TOKENS)
    except GraphQLError as error:
        return [error.message]
    except RecursionError:
        return ["The document is nested too deeply."]
    rules = [*specified_rules, *VALIDATION_RULES]
    return [error.message for error in validate(schema, ast, rules, max_errors=10)]


@strawberry.type(
    description="A GraphQL document registered for every client: send its `sha256Hash` in "
    "`extensions.persistedQuery` instead of its text."
)
class TrustedDocument:
    sha256_hash: str = strawberry.field(
        description="Lower-case hex SHA-256 of the document's exact UTF-8 text."
    )
    name: str = strawberry.field(description="The operation's name, or the file it came from.")
    registered_at: datetime = strawberry.field(description="When it was first registered.")

    @staticmethod
    def maybe(row: models.TrustedDocument | None) -> TrustedDocument | None:
        if row is None:
            return None
        return TrustedDocument(sha256_hash=row.sha256, name=row.name, registered_at=row.created_at)


@strawberry.input(description="A GraphQL document to register as trusted.")
class RegisterDocumentInput:
    document: str = strawberry.field(
        description="The document's exact text; it must be valid against this schema."
    )
    name: str | None = strawberry.field(
        default=None, description="A name for it; defaults to the name of its one operation."
    )


@strawberry.type(description="The result of `registerDocument`.")
class RegisterDocumentPayload:
    document: TrustedDocument | None = strawberry.field(
        description="The registered document (the earlier one when the text was registered "
        "before); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why it was not registered; empty on success."
    )


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(
        description="Register a GraphQL document that clients may then send by its hash (and "
        "that a server accepting trusted documents only will run). Platform staff only; "
        "registering the same text again returns the document already registered."
    )
    async def register_document(
        self,
        info: Info,
        input: Annotated[
            RegisterDocumentInput, strawberry.argument(description="The document and its name.")
        ],
    ) -> RegisterDocumentPayload:
        schema = info._raw_info.schema
        outcome = await document_service.register_document(
            info.context,
            input.document,
            input.name,
            lambda text: document_errors(schema, text),
        )
        return RegisterDocumentPayload(
            document=TrustedDocument.maybe(outcome.value),
            user_errors=user_errors(outcome.problems),
        )
