"""`shopiq documents add FILE...` and `shopiq documents list`: the trusted documents a server
accepts by hash (and, with SHOPIQ_TRUSTED_DOCUMENTS_ONLY, the only ones it runs)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from db.engine import create_engine, create_session_factory
from resolvers.documents import (
    Validate,
    document_problem,
    list_documents,
    operation_name,
    store_document,
)
from server.settings import Settings


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _validator() -> Validate:
    from schema.build import build_schema
    from schema.documents import document_errors

    graphql_schema = build_schema()._schema
    return lambda text: document_errors(graphql_schema, text)


def _read(paths: list[Path], validate: Validate) -> list[tuple[str, str]] | None:
    """(text, name) of every file, or None after reporting every file that cannot be registered.
    The name is the file's one operation's name, else the file's name."""
    documents, failed = [], False
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _say(f"{path}: cannot read it ({exc})")
            failed = True
            continue
        problem = document_problem(text, validate)
        if problem is not None:
            _say(f"{path}: not registered: {problem.message}")
            failed = True
            continue
        documents.append((text, (operation_name(text) or path.stem)[:200]))
    return None if failed else documents


async def _add(settings: Settings, documents: list[tuple[str, str]]) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine).begin() as session:
            for text, name in documents:
                found = await store_document(session, text, name)
                row = found.document
                print(f"{row.sha256}  {row.name}")
                if not found.created:
                    _say(f"{row.name}: already registered")
    finally:
        await engine.dispose()


def cmd_add(settings: Settings, args: argparse.Namespace) -> int:
    """All or nothing: every file is checked against the schema before any is stored."""
    documents = _read(args.files, _validator())
    if documents is None:
        _say("nothing registered")
        return 1
    asyncio.run(_add(settings, documents))
    return 0


async def _list(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await list_documents(session)
    finally:
        await engine.dispose()
    for row in rows:
        print(f"{row.sha256}  {row.name}  {row.created_at.isoformat(timespec='seconds')}")
    _say(f"{len(rows)} trusted document(s)")


def cmd_list(settings: Settings, _: argparse.Namespace) -> int:
    asyncio.run(_list(settings))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    documents = sub.add_parser("documents", help="trusted (persisted) GraphQL documents")
    documents_sub = documents.add_subparsers(dest="documents_command", required=True)
    add = documents_sub.add_parser(
        "add", help="check GraphQL files against the schema and register them (idempotent)"
    )
    add.add_argument("files", nargs="+", type=Path, metavar="FILE.graphql")
    add.set_defaults(handler=cmd_add)
    listing = documents_sub.add_parser("list", help="print hash, name and date of each document")
    listing.set_defaults(handler=cmd_list)
