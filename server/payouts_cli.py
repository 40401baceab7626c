"""`shopiq payouts run --period-end DATE`: the payout run of `runPayouts`, for operators (as
the payout service: it may run payouts and nothing else), with progress and timing."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date

from db.engine import create_engine, create_session_factory
from db.payouts import PayoutStatus
from policies.authorize import build_authorizer
from policies.viewer import service_viewer
from resolvers.context import Context
from resolvers.money import Money
from resolvers.payouts import run_payouts
from server.settings import Settings

PAYOUT_SERVICE = "payouts"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _progress(done: int, total: int) -> None:
    if done == total or done % 100 == 0:
        _say(f"  {done}/{total} balances")


async def _run(settings: Settings, period_end: date) -> int:
    engine = create_engine(settings.database_url)
    started = time.perf_counter()
    try:
        ctx = Context(
            viewer=service_viewer(PAYOUT_SERVICE),
            authz=build_authorizer(),
            sessions=create_session_factory(engine),
        )
        ctx.action = "runPayouts"
        _say(f"running payouts for the period ending {period_end.isoformat()}")
        outcome = await run_payouts(ctx, period_end, progress=_progress)
    finally:
        await engine.dispose()
    took = time.perf_counter() - started
    if outcome.value is None:
        for problem in outcome.problems:
            _say(f"refused: {problem.message}")
        return 1
    run = outcome.value
    for payout in run.payouts:
        amount = Money(payout.amount_minor, payout.currency)
        print(f"partner {payout.partner_id}\t{amount}\t{payout.status.value}")
    due = sum(1 for p in run.payouts if p.status == PayoutStatus.DUE)
    _say(
        f"{due} payout(s) due, {len(run.payouts) - due} balance(s) carried forward, "
        f"{run.skipped} already run ({took:.2f} s)"
    )
    return 0


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_run(settings, args.period_end))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    payouts = sub.add_parser("payouts", help="commission payouts")
    payouts_sub = payouts.add_subparsers(dest="payouts_command", required=True)
    run = payouts_sub.add_parser(
        "run", help="run payouts for a period (re-running the same period writes nothing)"
    )
    run.add_argument("--period-end", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD")
    run.set_defaults(handler=cmd_run)
