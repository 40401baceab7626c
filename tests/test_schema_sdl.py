"""The committed SDL (schema.graphql) is what the code builds, and `shopiq schema --check`
agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema.build import print_sdl
from server.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    committed = SCHEMA_FILE.read_text()
    assert committed == print_sdl(), (
        "schema.graphql differs from the schema the code builds: run `make schema` "
        "(shopiq schema --write) and commit the result"
    )


def test_schema_check_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # the command checks ./schema.graphql by default
    assert main(["schema", "--check"]) == 0
    assert "matches" in capsys.readouterr().err


def test_schema_check_fails_on_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text(print_sdl().replace("type Client ", "type Customer ", 1))
    assert main(["schema", "--check", "--path", str(stale)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["schema", "--check", "--path", str(tmp_path / "missing.graphql")]) == 1


def test_schema_write_produces_a_file_that_checks(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    assert main(["schema", "--write", "--path", str(target)]) == 0
    assert target.read_text() == print_sdl()
    assert main(["schema", "--check", "--path", str(target)]) == 0
