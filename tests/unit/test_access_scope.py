"""Scope arithmetic of merchant consent, without a database: a merchant narrows, never widens;
an access code grants the narrower of its scope and the one asked for."""

from __future__ import annotations

import itertools

import pytest

from db.enums import AccessScope, AccessStatus
from resolvers import transitions
from resolvers.access import SCOPE_RANK, narrower
from resolvers.problems import ErrorCode, Refused

# Written out independently: what each scope covers, by area of work.
COVERS = {
    AccessScope.FULL: {"implementation", "support", "billing"},
    AccessScope.IMPLEMENTATION: {"implementation", "support"},
    AccessScope.SUPPORT: {"support"},
}


def test_every_scope_is_ranked() -> None:
    assert set(SCOPE_RANK) == set(AccessScope)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(AccessScope, repeat=2)))
def test_narrower_is_the_scope_covering_less(a: AccessScope, b: AccessScope) -> None:
    result = narrower(a, b)
    assert result == narrower(b, a)
    assert result in (a, b)
    assert COVERS[result] <= COVERS[a]
    assert COVERS[result] <= COVERS[b]


ALLOWED = {
    AccessStatus.REQUESTED: {AccessStatus.ACTIVE, AccessStatus.ENDED, AccessStatus.REVOKED},
    AccessStatus.ACTIVE: {AccessStatus.REVOKED, AccessStatus.ENDED},
    AccessStatus.REVOKED: set(),
    AccessStatus.ENDED: set(),
}


@pytest.mark.parametrize(("src", "dst"), list(itertools.product(AccessStatus, repeat=2)))
def test_access_moves(src: AccessStatus, dst: AccessStatus) -> None:
    if dst in ALLOWED[src]:
        assert transitions.ACCESS.move(src, dst, "access_id") == dst
    else:
        with pytest.raises(Refused) as refused:
            transitions.ACCESS.move(src, dst, "access_id")
        assert refused.value.problems[0].code == ErrorCode.INVALID_TRANSITION
