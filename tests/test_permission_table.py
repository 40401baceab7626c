"""README's "Who may do what" table is what the policy says now (as schema.graphql is what the
code builds), and the generator tells apart the cases the table is about."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import permission_table
from policies.permission_table import (
    END,
    README_FILE,
    START,
    VIEWERS,
    build_table,
    declared_permissions,
    policy_text,
    readme_with,
    stale_diff,
)

Cells = dict[tuple[str, str], dict[str, str]]  # (resource, permission) -> viewer -> cell


@pytest.fixture(scope="module")
async def table() -> str:
    return await build_table()


def cells_of(table: str) -> Cells:
    """The table's cells by (resource heading, permission) and viewer heading."""
    cells: Cells = {}
    resource = ""
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        first, permission, *row = (cell.strip() for cell in line.strip("|").split("|"))
        resource = first.strip("*") or resource
        cells[resource, permission.strip("`")] = dict(
            zip((heading for heading, _ in VIEWERS), row, strict=True)
        )
    return cells


def test_readme_table_matches_the_policy(table: str) -> None:
    diff = stale_diff(README_FILE.read_text(), table)
    assert not diff, (
        "README.md's permission table differs from the policy: run `make policy-table` "
        "(python -m policies.permission_table --write) and commit the result\n" + diff
    )


def test_every_declared_permission_has_a_row(table: str) -> None:
    declared = declared_permissions(policy_text())
    assert {resource for resource, _ in declared} >= {"Client", "Task", "Assignment"}
    assert [p for _, permissions in declared for p in permissions] == [
        permission for _, permission in cells_of(table)
    ]


def test_cells_keep_the_data_separation_promises(table: str) -> None:
    cells = cells_of(table)
    # Another partner's owner gets nothing of this partner's, whatever the permission.
    assert {row["Other partner's owner"] for row in cells.values()} == {"—"}
    # Platform staff read across partners and change nothing of theirs; they alone register
    # trusted documents (platform configuration, no tenant's data).
    platform_only = {
        ("Trusted document", "register"),
        ("Commission terms", "manage"),
        ("Subscription charge", "ingest"),
        ("Commission", "approve"),
        ("Payout", "manage"),
        ("Payout minimum", "manage"),
    }
    for key, row in cells.items():
        reads = key[1] in ("read", "read_members", "list", "read_values")
        assert row["Platform staff"] == ("all" if reads or key in platform_only else "—"), key
    for key in platform_only:
        assert {v for k, v in cells[key].items() if k != "Platform staff"} == {"—"}, key
    # An invitation grants nothing but seeing, accepting or declining it.
    invited = {key: row["Invited"] for key, row in cells.items() if row["Invited"] != "—"}
    assert invited == {
        ("Partner", "read"): "yes",
        ("Team member", "read"): "own",
        ("Team member", "remove"): "own",
        ("Team member", "accept"): "own",
    }
    assert cells["Client", "read"]["Owner"] == "partner's clients"
    assert cells["Client", "read"]["Specialist"] == "assigned clients"
    assert cells["Client", "assign"]["Specialist"] == "—"
    assert cells["Client", "read"]["Merchant staff"] == "own client"
    assert cells["Task", "read"]["Merchant owner"] == "shared only"
    assert cells["Team member", "change_role"]["Admin"] == "all but owners"
    assert cells["Partner", "read_members"]["Merchant owner"] == "—"
    # The audit trail: the partner's owners and admins; the merchant owner sees what happened
    # to their business, and the values only of what was shared with them.
    assert [cells["Audit event", "read"][v] for v in ("Owner", "Admin", "Manager")] == [
        "yes",
        "yes",
        "—",
    ]
    assert cells["Audit event", "read"]["Merchant owner"] == "own client"
    assert cells["Audit event", "read_values"]["Merchant owner"] == "shared only"
    assert cells["Audit event", "read"]["Merchant staff"] == "—"
    assert cells["Audit event", "read"]["Specialist"] == "—"
    # Billing: the merchant owner reads the terms and issued invoices, never drafts; staff
    # neither; specialists only on the clients assigned to them; managers and up manage.
    assert cells["Billing terms", "read"]["Merchant owner"] == "own client"
    assert cells["Invoice", "read"]["Merchant owner"] == "issued only"
    assert cells["Invoice line", "read"]["Merchant owner"] == "issued only"
    assert cells["Invoice", "read"]["Merchant staff"] == "—"
    assert cells["Invoice", "read"]["Specialist"] == "assigned clients"
    assert cells["Invoice", "manage"]["Manager"] == "partner's clients"
    assert cells["Invoice", "manage"]["Specialist"] == "—"
    # Earnings: owners and admins only.
    for role in ("Manager", "Specialist", "Merchant owner", "Merchant staff"):
        assert cells["Commission", "read"][role] == "—", role
        assert cells["Commission terms", "read"][role] == "—", role
    assert cells["Commission", "read"]["Admin"] == "yes"


def test_readme_with_replaces_only_between_the_markers() -> None:
    readme = f"intro\n{START}\nold table\n{END}\noutro\n"
    assert readme_with("new table\n", readme) == f"intro\n{START}\nnew table\n{END}\noutro\n"
    assert "-old table" in stale_diff(readme, "new table\n")
    assert stale_diff(readme_with("t\n", readme), "t\n") == ""
    with pytest.raises(ValueError, match="markers"):
        readme_with("t\n", "no markers here\n")


def test_the_command_checks_and_writes(
    tmp_path: Path,
    table: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def built() -> str:  # the table of the policy as it is, built once for the module
        return table

    monkeypatch.setattr(permission_table, "build_table", built)

    def run(*args: str) -> tuple[int, str, str]:
        code = permission_table.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("--check")[0] == 0
    stale = tmp_path / "README.md"
    stale.write_text(f"# Title\n\n{START}\n| stale |\n{END}\n")
    code, out, err = run("--check", "--readme", str(stale))
    assert code == 1
    assert "-| stale |" in out
    assert "make policy-table" in err
    assert run("--write", "--readme", str(stale))[0] == 0
    assert run("--check", "--readme", str(stale))[0] == 0
