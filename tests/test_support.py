"""Support scope: the client's support plan (one current, history kept), time entries and who
may log, change or delete them, and the month's usage computed in SQL (merchants see the
totals, never the internal entries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import GraphQL, World
from tests.helpers import codes, gid

OWNER = "owner@northwind.test"
MANAGER = "manager@northwind.test"
SPECIALIST = "specialist@northwind.test"
DESIGNER = "designer@northwind.test"
BLUEFIN_OWNER = "owner@bluefin.test"
MERCHANT = "merchant@lumen-candles.test"
MERCHANT_STAFF = "staff@lumen-candles.test"
PLATFORM = "staff@shopiq.test"
LUMEN = "Lumen Candles"
# Last month: after the demo's current plan started, and wholly in the past (time may be logged).
MONTH = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)

SET_PLAN = """
mutation Plan($input: SetSupportPlanInput!) {
  setSupportPlan(input: $input) {
    supportPlan { id inScope includedMinutes firstResponseHours channels startsOn endsOn
      supersededAt setBy { email } }
    userErrors { field message code }
  }
}
"""
LOG_TIME = """
mutation Log($input: LogTimeInput!) {
  logTime(input: $input) {
    timeEntry { id minutes workDate description billable visibility version user { email } }
    userErrors { field message code }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateTimeEntryInput!) {
  updateTimeEntry(input: $input) {
    timeEntry { id minutes version }
    userErrors { field message code }
  }
}
"""
DELETE = """
mutation Delete($input: TimeEntryVersionInput!) {
  deleteTimeEntry(input: $input) { deletedTimeEntryId userErrors { field message code } }
}
"""
SUPPORT = """
query Support($id: ID!, $month: Date!) {
  client(id: $id) {
    supportPlan { id includedMinutes }
    supportPlans { id startsOn endsOn supersededAt }
    supportUsage(month: $month) {
      month includedMinutes usedMinutes remainingMinutes overageMinutes
    }
    timeEntries(first: 100) { totalCount nodes { id description visibility minutes } }
  }
}
"""


def lumen(world: World) -> str:
    return gid("Client", world.clients[LUMEN])


def plan_input(world: World, **fields: Any) -> dict[str, Any]:
    return {
        "clientId": lumen(world),
        "inScope": "Store questions, theme fixes",
        "includedMinutes": 600,
        "firstResponseHours": 24,
        "channels": ["EMAIL", "CHAT"],
        "startsOn": MONTH.isoformat(),
        **fields,
    }


async def set_plan(gql: GraphQL, email: str, world: World, **fields: Any) -> dict[str, Any]:
    body = await gql(email, SET_PLAN, input=plan_input(world, **fields))
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["setSupportPlan"]
    return payload


async def log_time(gql: GraphQL, email: str, world: World, **fields: Any) -> dict[str, Any]:
    fields.setdefault("workDate", (MONTH + timedelta(days=3)).isoformat())
    body = await gql(email, LOG_TIME, input={"clientId": lumen(world), **fields})
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["logTime"]
    return payload


async def logged(gql: GraphQL, email: str, world: World, **fields: Any) -> dict[str, Any]:
    payload = await log_time(gql, email, world, **fields)
    assert payload["userErrors"] == [], payload
    entry: dict[str, Any] = payload["timeEntry"]
    return entry


async def support(gql: GraphQL, email: str, world: World, month: date = MONTH) -> Any:
    body = await gql(email, SUPPORT, id=lumen(world), month=month.isoformat())
    assert "errors" not in body, body
    return body["data"]["client"]


async def test_managers_set_the_plan_and_the_previous_one_becomes_history(
    gql: GraphQL, world: World
) -> None:
    first = await set_plan(gql, MANAGER, world)
    assert first["userErrors"] == []
    plan = first["supportPlan"]
    assert plan["channels"] == ["EMAIL", "CHAT"]
    assert plan["setBy"]["email"] == MANAGER
    second = await set_plan(
        gql, OWNER, world, includedMinutes=900, startsOn=(MONTH + timedelta(days=14)).isoformat()
    )
    assert second["userErrors"] == []
    seen = await support(gql, MERCHANT, world)
    assert seen["supportPlan"]["id"] == second["supportPlan"]["id"]
    history = seen["supportPlans"]
    assert [p["id"] for p in history[:2]] == [second["supportPlan"]["id"], plan["id"]]
    assert sum(p["supersededAt"] is None for p in history) == 1
    assert history[1]["endsOn"] == (MONTH + timedelta(days=13)).isoformat()
    assert history[1]["supersededAt"] is not None
    # The plan that started last in the month gives the included minutes.
    assert seen["supportUsage"]["includedMinutes"] == 900


async def test_who_may_set_a_plan(gql: GraphQL, world: World) -> None:
    for email, code in (
        (SPECIALIST, "FORBIDDEN"),
        (MERCHANT, "FORBIDDEN"),
        (PLATFORM, "FORBIDDEN"),
        (BLUEFIN_OWNER, "NOT_FOUND"),
    ):
        payload = await set_plan(gql, email, world)
        assert codes(payload) == [(["input", "clientId"], code)], email
        assert payload["supportPlan"] is None


async def test_bad_plans_are_refused(gql: GraphQL, world: World) -> None:
    bad = await set_plan(
        gql,
        MANAGER,
        world,
        includedMinutes=-5,
        firstResponseHours=0,
        channels=[],
        endsOn=(MONTH - timedelta(days=1)).isoformat(),
    )
    assert sorted(codes(bad)) == sorted(
        [
            (["input", "includedMinutes"], "INVALID"),
            (["input", "firstResponseHours"], "INVALID"),
            (["input", "channels"], "REQUIRED"),
            (["input", "endsOn"], "INVALID"),
        ]
    )
    absurd = await set_plan(gql, MANAGER, world, includedMinutes=10**6)
    assert codes(absurd) == [(["input", "includedMinutes"], "INVALID")]
    assert (await set_plan(gql, MANAGER, world))["userErrors"] == []
    earlier = await set_plan(gql, MANAGER, world, startsOn=(MONTH - timedelta(days=1)).isoformat())
    assert codes(earlier) == [(["input", "startsOn"], "INVALID")]


async def test_usage_counts_billable_minutes_and_merchants_see_totals_not_internal_entries(
    gql: GraphQL, world: World
) -> None:
    await set_plan(gql, MANAGER, world, includedMinutes=600)
    shared = await logged(
        gql, SPECIALIST, world, minutes=400, description="Theme fix", visibility="SHARED"
    )
    internal = await logged(gql, SPECIALIST, world, minutes=300, description="Cleaned up mess")
    await logged(gql, SPECIALIST, world, minutes=100, billable=False, description="Goodwill")
    expected = {
        "month": MONTH.isoformat(),
        "includedMinutes": 600,
        "usedMinutes": 700,
        "remainingMinutes": 0,
        "overageMinutes": 100,
    }
    for email in (OWNER, SPECIALIST, MERCHANT, MERCHANT_STAFF, PLATFORM):
        assert (await support(gql, email, world))["supportUsage"] == expected, email
    merchant = (await support(gql, MERCHANT, world))["timeEntries"]
    merchant_ids = [n["id"] for n in merchant["nodes"]]
    assert shared["id"] in merchant_ids
    assert internal["id"] not in merchant_ids
    assert {n["visibility"] for n in merchant["nodes"]} == {"SHARED"}
    assert merchant["totalCount"] == len(merchant_ids)
    team = await support(gql, OWNER, world)
    assert {shared["id"], internal["id"]} <= {n["id"] for n in team["timeEntries"]["nodes"]}
    # The month before: none of this counts, and the plan in force then applies.
    earlier = (await support(gql, MERCHANT, world, MONTH - timedelta(days=1)))["supportUsage"]
    assert earlier["usedMinutes"] == 0
    assert earlier["remainingMinutes"] == earlier["includedMinutes"] != 600
    # Another partner learns nothing of it.
    other = await gql(BLUEFIN_OWNER, SUPPORT, id=lumen(world), month=MONTH.isoformat())
    assert other["data"]["client"] is None


async def test_time_is_checked_against_the_day(gql: GraphQL, world: World) -> None:
    negative = await log_time(gql, SPECIALIST, world, minutes=-30)
    assert codes(negative) == [(["input", "minutes"], "INVALID")]
    absurd = await log_time(gql, SPECIALIST, world, minutes=1441)
    assert codes(absurd) == [(["input", "minutes"], "INVALID")]
    ahead = (date.today() + timedelta(days=5)).isoformat()
    future = await log_time(gql, SPECIALIST, world, minutes=30, workDate=ahead)
    assert codes(future) == [(["input", "workDate"], "INVALID")]
    day = (MONTH + timedelta(days=9)).isoformat()
    await logged(gql, SPECIALIST, world, minutes=1000, workDate=day)
    over = await log_time(gql, SPECIALIST, world, minutes=441, workDate=day)
    assert codes(over) == [(["input", "minutes"], "INVALID")]
    assert (await log_time(gql, SPECIALIST, world, minutes=440, workDate=day))["userErrors"] == []


async def test_logging_for_others_is_for_managers(gql: GraphQL, world: World) -> None:
    designer = gid("PartnerMember", world.members[DESIGNER])
    refused = await log_time(gql, SPECIALIST, world, minutes=30, memberId=designer)
    assert codes(refused) == [(["input", "memberId"], "FORBIDDEN")]
    entry = await logged(gql, MANAGER, world, minutes=30, memberId=designer)
    assert entry["user"]["email"] == DESIGNER
    foreign = gid("PartnerMember", world.members[BLUEFIN_OWNER])
    missing = await log_time(gql, MANAGER, world, minutes=30, memberId=foreign)
    assert codes(missing) == [(["input", "memberId"], "NOT_FOUND")]
    merchant = await log_time(gql, MERCHANT, world, minutes=30)
    assert codes(merchant) == [(["input", "clientId"], "FORBIDDEN")]


async def test_entries_are_changed_by_their_member_or_a_manager(gql: GraphQL, world: World) -> None:
    entry = await logged(gql, SPECIALIST, world, minutes=60)
    ref = {"timeEntryId": entry["id"], "version": entry["version"]}
    merchant = await gql(MERCHANT, UPDATE, input={**ref, "minutes": 5})
    assert codes(merchant["data"]["updateTimeEntry"]) == [(["input", "timeEntryId"], "NOT_FOUND")]
    own = await gql(SPECIALIST, UPDATE, input={**ref, "minutes": 90})
    assert own["data"]["updateTimeEntry"]["timeEntry"]["minutes"] == 90
    stale = await gql(MANAGER, UPDATE, input={**ref, "minutes": 10})
    assert codes(stale["data"]["updateTimeEntry"]) == [(["input", "version"], "CONFLICT")]
    zero = await gql(MANAGER, UPDATE, input={**ref, "version": 2, "minutes": 0})
    assert codes(zero["data"]["updateTimeEntry"]) == [(["input", "minutes"], "INVALID")]
    gone = await gql(MANAGER, DELETE, input={**ref, "version": 2})
    assert gone["data"]["deleteTimeEntry"]["deletedTimeEntryId"] == entry["id"]
    again = await gql(MANAGER, DELETE, input={**ref, "version": 2})
    assert codes(again["data"]["deleteTimeEntry"]) == [(["input", "timeEntryId"], "NOT_FOUND")]


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    entries=st.lists(
        st.tuples(st.integers(1, 90), st.booleans(), st.integers(0, 27)), min_size=1, max_size=3
    ),
    included=st.integers(0, 500),
)
async def test_usage_arithmetic_holds(
    gql: GraphQL, world: World, entries: list[tuple[int, bool, int]], included: int
) -> None:
    """Used grows by exactly the billable minutes logged; remaining and overage are never both
    positive, and included - used == remaining - overage."""
    await set_plan(gql, MANAGER, world, includedMinutes=included)
    before = (await support(gql, OWNER, world))["supportUsage"]
    for minutes, billable, day in entries:
        workday = (MONTH + timedelta(days=day)).isoformat()
        await logged(gql, OWNER, world, minutes=minutes, billable=billable, workDate=workday)
    after = (await support(gql, OWNER, world))["supportUsage"]
    assert after["usedMinutes"] - before["usedMinutes"] == sum(m for m, b, _ in entries if b)
    assert after["includedMinutes"] == included
    assert min(after["remainingMinutes"], after["overageMinutes"]) == 0
    assert (
        after["includedMinutes"] - after["usedMinutes"]
        == after["remainingMinutes"] - after["overageMinutes"]
    )


async def test_time_stays_with_the_client_when_its_member_leaves(
    gql: GraphQL, world: World
) -> None:
    entry = await logged(gql, SPECIALIST, world, minutes=40, visibility="SHARED")
    member = gid("PartnerMember", world.members[SPECIALIST])
    version = await gql(
        OWNER, "query($id: ID!) { node(id: $id) { ... on PartnerMember { version } } }", id=member
    )
    removed = await gql(
        OWNER,
        """mutation($input: RemoveMemberInput!) { removeMember(input: $input) {
           userErrors { field code } } }""",
        input={"memberId": member, "version": version["data"]["node"]["version"]},
    )
    assert removed["data"]["removeMember"]["userErrors"] == []
    seen = await gql(
        OWNER,
        """query($id: ID!) { node(id: $id) {
           ... on TimeEntry { minutes member { id } user { email } } } }""",
        id=entry["id"],
    )
    assert seen["data"]["node"] == {"minutes": 40, "member": None, "user": {"email": SPECIALIST}}
