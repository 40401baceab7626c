"""`SharedLoader`: the only dataloader the resolvers use (never a bare DataLoader). Its own
module so that every loader module (resolvers/loaders.py, resolvers/relationship_loaders.py,
resolvers/nested_pages.py) can build on it without importing one another."""

from __future__ import annotations

import asyncio
from asyncio import Future
from typing import TypeVar

from aiodataloader import DataLoader

K = TypeVar("K")
V = TypeVar("V")


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose answers survive a cancelled caller. One load of a key is cached and
    shared by every field that asks for it; graphql-core cancels the pending siblings of a
    field whose error nulls their parent, and a task cancelled while awaiting the shared
    future would cancel the future itself, so another field awaiting the same key (under a
    parent that did not fail) would receive a CancelledError that ends the whole request.
    Each caller awaits its own shield instead."""

    def load(self, key: K) -> Future[V]:
        return asyncio.shield(super().load(key))
