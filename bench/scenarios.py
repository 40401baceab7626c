"""The measured operations: GraphQL documents, who sends them, their variables, and what counts as
a good answer. Documents take variables so that every request of a scenario is the same text
(as a dashboard sends it), which keeps the server's parse and validation caches realistic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.dataset import BenchWorld, Persona
from schema.relay import to_global_id

CLIENT_FIELDS = """
    id businessName status
    store { subdomain launchStatus payments { status } brand { onTemplateDefaults } }
    partner { name }
    assignees { role user { email } }
    openTaskCount
    nextDueTask { title dueDate overdue }
    launchReadiness { ready blockers { code } }
"""
CLIENT_LIST = (
    "query Dashboard($first: Int!) { clients(first: $first) { totalCount edges { node {"
    + CLIENT_FIELDS
    + "} } } }"
)
PAGE_FIELDS = """
    id businessName status
    store { subdomain launchStatus }
    assignees { role user { email } }
    openTaskCount
    nextDueTask { title dueDate overdue }
"""
CLIENT_PAGE = (
    "query ClientPage($first: Int!) { clients(first: $first) { totalCount edges { node {"
    + PAGE_FIELDS
    + "} } } }"
)
MY_WORK = (
    "query MyWork($first: Int!) { tasks(first: $first, filter: { assignedToMe: true, "
    "status: [TODO, IN_PROGRESS, BLOCKED] }) { totalCount edges { node { id title dueDate "
    "overdue status client { businessName } } } } }"
)
NESTED = (
    "query Nested($first: Int!) { clients(first: $first) { totalCount edges { node { "
    "businessName tasks(first: 5) { totalCount nodes { title status dueDate } } } } } }"
)
PARTNER_DASHBOARD = """
query PartnerDashboard {
  viewer {
    memberships {
      partner {
        dashboard {
          clientsByStatus { status count }
          setUpFunnel { domain payments logistics catalog compliance }
          launchedThisMonth launchedLastMonth clientsWithoutAssignee openTasks overdueTasks
          workByAssignee { openTasks overdueTasks member { user { email } } }
          accessRequestsPending
        }
      }
    }
  }
}
"""
CLIENT_ONE = "query ClientDetail($id: ID!) { client(id: $id) {" + CLIENT_FIELDS + "} }"
ONBOARD = """
mutation Onboard($input: OnboardClientInput!) {
  onboardClient(input: $input) {
    client { id businessName store { subdomain } }
    userErrors { field message code }
  }
}
"""

Variables = Callable[[int], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    viewer: str  # persona label
    persona: Persona
    document: str
    variables: Variables
    writes: bool = False

    def payload(self, index: int) -> dict[str, Any]:
        return {"query": self.document, "variables": self.variables(index)}


def _clients(first: int) -> Variables:
    def variables(_: int) -> dict[str, Any]:
        return {"first": first}

    return variables


def build_scenarios(world: BenchWorld, *, tag: str) -> list[Scenario]:
    """The scenarios, writes last. `tag` keeps onboarded names and emails of separate
    phases of one run apart."""
    owner_clients = [to_global_id("Client", id_) for id_ in world.owner_client_ids]
    partner = to_global_id("Partner", world.writer_partner_id)

    def one_client(index: int) -> dict[str, Any]:
        return {"id": owner_clients[index % len(owner_clients)]}

    def onboard(index: int) -> dict[str, Any]:
        return {
            "input": {
                "partnerId": partner,
                # "Zz" sorts after every generated name, so reads of the first page stay put.
                "businessName": f"Zz Onboarded {tag} {index:06d}",
                "contactEmail": f"merchant-{tag}-{index:06d}@onboarded.example.com",
                "country": "US",
            }
        }

    return [
        Scenario(
            "a", "dashboard clients(first: 100)", "owner", world.owner, CLIENT_LIST, _clients(100)
        ),
        Scenario(
            "i",
            "client page(first: 100)",
            "owner",
            world.owner,
            CLIENT_PAGE,
            _clients(100),
        ),
        Scenario(
            "b",
            "dashboard clients(first: 100)",
            "specialist",
            world.specialist,
            CLIENT_LIST,
            _clients(100),
        ),
        Scenario(
            "c", "all partners clients(first: 20)", "staff", world.staff, CLIENT_LIST, _clients(20)
        ),
        Scenario("d", "client(id:) lookup", "owner", world.owner, CLIENT_ONE, one_client),
        Scenario(
            "f",
            "my pending work tasks(first: 50)",
            "specialist",
            world.specialist,
            MY_WORK,
            _clients(50),
        ),
        Scenario(
            "g", "two levels: clients x tasks(5)", "owner", world.owner, NESTED, _clients(100)
        ),
        Scenario(
            "h",
            "partner.dashboard",
            "owner",
            world.owner,
            PARTNER_DASHBOARD,
            lambda _: {},
        ),
        Scenario(
            "e",
            "onboardClient mutation",
            "owner (writer)",
            world.writer,
            ONBOARD,
            onboard,
            writes=True,
        ),
    ]


def check(body: Any) -> tuple[int, str | None]:
    """(items in the answer, problem or None). A good answer has data, no errors, at least one
    item and, for the mutation, a client and no user errors."""
    if not isinstance(body, dict):
        return 0, "response is not a JSON object"
    if body.get("errors"):
        return 0, "; ".join(str(e.get("message", e)) for e in body["errors"])[:300]
    data = body.get("data")
    if not isinstance(data, dict):
        return 0, "response has no data"
    if "clients" in data:
        edges = data["clients"]["edges"]
        return (len(edges), None) if edges else (0, "the list is empty")
    if "tasks" in data:
        edges = data["tasks"]["edges"]
        return (len(edges), None) if edges else (0, "the list is empty")
    if "viewer" in data:
        memberships = data["viewer"]["memberships"]
        found = [m["partner"]["dashboard"] for m in memberships if m["partner"]["dashboard"]]
        return (len(found), None) if found else (0, "no dashboard")
    if "client" in data:
        return (1, None) if data["client"] else (0, "client not found")
    if "onboardClient" in data:
        payload = data["onboardClient"]
        if payload["userErrors"]:
            return 0, "; ".join(e["message"] for e in payload["userErrors"])[:300]
        return (1, None) if payload["client"] else (0, "no client created")
    return 0, f"unexpected data: {sorted(data)}"
