"""`shopiq`: serve the API, migrate, seed the demo, mint tokens, print or check the SDL."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from db import migrate
from db.demo import DEMO_EMAILS, seed_demo, wipe
from db.engine import create_engine, create_session_factory
from db.enums import UserStatus
from db.models import User
from db.statistics import analyze
from server import documents_cli, jobs_cli, mail_cli, payouts_cli
from server.settings import Settings, SettingsError, load_settings
from server.tokens import MAX_LIFETIME_SECONDS, SERVICES, issue_service_token, issue_token

SCHEMA_FILE = Path("schema.graphql")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from server.serving import default_workers, serve

    workers = args.workers or default_workers(settings)
    noun = "worker" if workers == 1 else "workers"
    _say(
        f"serving GraphQL on http://{args.host}:{args.port}/graphql "
        f"({settings.env}, {workers} {noun})"
    )
    serve(settings, args.host, args.port, workers)
    return 0


async def _upgrade(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    started = time.perf_counter()
    try:
        await migrate.upgrade(engine)
        revision = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    _say(f"database at revision {revision} ({time.perf_counter() - started:.2f} s)")


def cmd_db_upgrade(settings: Settings, _: argparse.Namespace) -> int:
    asyncio.run(_upgrade(settings))
    return 0


async def _demo(settings: Settings, ttl: int, reset: bool) -> list[tuple[str, str]]:
    engine = create_engine(settings.database_url)
    started = time.perf_counter()
    try:
        deleted = None
        async with create_session_factory(engine).begin() as session:  # all or nothing
            if reset:
                deleted = await wipe(session)
            seeded = await seed_demo(session)
        if seeded or reset:
            await analyze(engine)  # the planner sees the seeded tables (db/statistics.py)
        took = time.perf_counter() - started
        if deleted is not None:
            _say(f"deleted all data, the demo's and anything added since ({deleted} rows)")
        _say(f"demo data seeded ({took:.2f} s)" if seeded else "demo data already present")
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(User.id, User.email).where(
                    User.email.in_(DEMO_EMAILS), User.status != UserStatus.REMOVED
                )
            )
            found = {email: id_ for id_, email in rows}
    finally:
        await engine.dispose()
    return [
        (email, issue_token(settings.jwt_secret, found[email], email, ttl))
        for email in DEMO_EMAILS
        if email in found
    ]


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    if args.reset and settings.production:
        _say("refusing to --reset in production: it deletes every row")
        return 2
    tokens = asyncio.run(_demo(settings, args.ttl, args.reset))
    print(f"Demo bearer tokens (valid {args.ttl // 3600} h): Authorization: Bearer <token>")
    for email, token in tokens:
        print(f"  {email:32} {token}")
    return 0


async def _user_id(settings: Settings, email: str) -> int | None:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            user = (
                await session.execute(select(User).where(User.email == email.lower()))
            ).scalar_one_or_none()
    finally:
        await engine.dispose()
    if user is None or user.status == UserStatus.REMOVED:
        return None
    return user.id


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    if args.service is not None:
        print(issue_service_token(settings.jwt_secret, args.service, args.ttl))
        return 0
    if args.email is None:
        _say("give an EMAIL, or --service NAME")
        return 1
    user_id = asyncio.run(_user_id(settings, args.email))
    if user_id is None:
        _say(f"no active user with email {args.email!r}")
        return 1
    print(issue_token(settings.jwt_secret, user_id, args.email.lower(), args.ttl))
    return 0


def cmd_schema(_: Settings | None, args: argparse.Namespace) -> int:
    from schema.build import print_sdl

    sdl = print_sdl()
    if args.check:
        committed = args.path.read_text() if args.path.exists() else ""
        if committed != sdl:
            _say(f"{args.path} is stale: run `shopiq schema --write` and commit it")
            return 1
        _say(f"{args.path} matches the code")
        return 0
    if args.write:
        args.path.write_text(sdl)
        _say(f"wrote {args.path}")
        return 0
    sys.stdout.write(sdl)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopiq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: one per core in production, 1 in development)",
    )
    serve.set_defaults(handler=cmd_serve)

    jobs_cli.add_parsers(sub)

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations").set_defaults(handler=cmd_db_upgrade)

    demo = sub.add_parser("demo", help="seed demo data (if empty) and print demo tokens")
    demo.add_argument("--ttl", type=int, default=24 * 3600, help="token lifetime in seconds")
    demo.add_argument(
        "--reset",
        action="store_true",
        help="first delete ALL data (demo and your own), then seed the demo again; "
        "the JWT secret stays, so demo users' earlier tokens keep working",
    )
    demo.set_defaults(handler=cmd_demo)

    token = sub.add_parser("token", help="print a bearer token for a user")
    token.add_argument("email", nargs="?")
    token.add_argument(
        "--service", choices=SERVICES, help="a service token instead (e.g. billing ingestion)"
    )
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    token.set_defaults(handler=cmd_token)

    schema = sub.add_parser("schema", help="print the SDL, or check/write schema.graphql")
    group = schema.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    group.add_argument("--write", action="store_true", help="write the file")
    schema.add_argument("--path", type=Path, default=SCHEMA_FILE)
    schema.set_defaults(handler=cmd_schema, needs_settings=False)

    documents_cli.add_parser(sub)
    payouts_cli.add_parser(sub)
    mail_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 < getattr(args, "ttl", 1) <= MAX_LIFETIME_SECONDS:
        _say(f"--ttl must be a positive number of seconds, at most {MAX_LIFETIME_SECONDS}")
        return 2
    if not getattr(args, "needs_settings", True):
        return int(args.handler(None, args))
    try:
        settings = load_settings()
    except SettingsError as exc:
        _say(f"configuration error: {exc}")
        return 2
    return int(args.handler(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
