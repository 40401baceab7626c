"""`SharedLoader`: the only dataloader the resolvers use (never a bare DataLoader). Its own
module so that every loader module (resolvers/loaders.py, resolvers/relationship_loaders.py,
resolvers/nested_pages.py) can build on it without importing one another."""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import Iterable
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

    def answered(self, key: K) -> Future[V] | None:
        """The key's settled answer when a batch has already brought it, else None (not asked
        yet, still loading, or failed: `load` then gives the caller the wait or the error)."""
        if not self.cache:
            return None
        found = self._cache.get(self.get_cache_key(key))
        if found is None or not found.done() or found.cancelled() or found.exception():
            return None
        return found

    async def prime_many(self, keys: Iterable[K]) -> None:
        """Loads `keys` in one batch now, so that the fields asking for them later find their
        answers settled (`answered`). Shielded as `load` is: a cancelled primer does not cancel
        the answers other fields share."""
        futures = [DataLoader.load(self, key) for key in keys]
        if futures:
            # A failed batch fails the fields that ask for its keys (by `load`), as before.
            await asyncio.shield(asyncio.gather(*futures, return_exceptions=True))


def clear_loaders(holder: object) -> None:
    """Empties every dataloader that `holder` keeps in an attribute. At the end of a request:
    see `Loaders.release`."""
    for value in vars(holder).values():
        if isinstance(value, DataLoader):
            value.clear_all()
