"""Trusted documents at the HTTP edge: a request may name a registered document by its SHA-256
(Apollo's persisted-query shape) instead of sending its text, and with
SHOPIQ_TRUSTED_DOCUMENTS_ONLY the server runs registered documents only.

    {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}},
     "variables": {...}, "operationName": "..."}

This runs after authentication and before Strawberry parses anything: a known hash becomes the
body Strawberry would have got with the text; everything else is answered here, in the shapes
Apollo's clients understand:

- unknown hash: HTTP 200, `PersistedQueryNotFound` / PERSISTED_QUERY_NOT_FOUND (Apollo Server's
  answer; Apollo Client's link then retries with the text, which runs unless texts are refused);
- text and hash that do not match: HTTP 400, BAD_REQUEST (Apollo Server and Router);
- trusted documents only, and a text that is not registered: HTTP 400,
  PERSISTED_QUERY_REQUIRED. Not executed, and not worth retrying: a request error, as Apollo
  Router answers freeform GraphQL it does not allow. A text whose hash is registered runs.

Sending text and hash never registers anything (no automatic persisted queries): documents are
registered by `shopiq documents add` or by platform staff's `registerDocument`.

A hash names one text forever (rows never change), so known hashes are cached in the process,
bounded by count and by characters; unknown ones are not (they may be registered any time), and
cost one lookup on the unique index each."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive

from resolvers.documents import SHA256_HEX, find_document, sha256_of

PERSISTED_QUERY_VERSION = 1
CACHE_ENTRIES = 1024
CACHE_CHARS = 8_000_000


def _error(message: str, code: str, status: int, **headers: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers or None)


def not_found() -> Response:
    # Apollo Server's exact answer; never cached, the document may be registered any time.
    return _error(
        "PersistedQueryNotFound",
        "PERSISTED_QUERY_NOT_FOUND",
        200,
        **{"Cache-Control": "private, no-cache, must-revalidate"},
    )


def hash_mismatch() -> Response:
    return _error("provided sha does not match query", "BAD_REQUEST", 400)


def bad_persisted_query() -> Response:
    message = (
        f"extensions.persistedQuery needs version {PERSISTED_QUERY_VERSION} and a sha256Hash "
        "of 64 hexadecimal digits"
    )
    return _error(message, "BAD_REQUEST", 400)


def required() -> Response:
    message = (
        "This server runs registered documents only: send a registered document, or its "
        "sha256Hash in extensions.persistedQuery."
    )
    return _error(message, "PERSISTED_QUERY_REQUIRED", 400)


class DocumentCache:
    """Hash -> text of registered documents, least recently used first out."""

    def __init__(self, entries: int = CACHE_ENTRIES, chars: int = CACHE_CHARS) -> None:
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._entries, self._chars, self._size = entries, chars, 0

    def get(self, sha256: str) -> str | None:
        text = self._texts.get(sha256)
        if text is not None:
            self._texts.move_to_end(sha256)
        return text

    def put(self, sha256: str, text: str) -> None:
        if len(text) > self._chars or sha256 in self._texts:
            return
        self._texts[sha256] = text
        self._size += len(text)
        while len(self._texts) > self._entries or self._size > self._chars:
            _, evicted = self._texts.popitem(last=False)
            self._size -= len(evicted)

    def __len__(self) -> int:
        return len(self._texts)


class TrustedDocuments:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        required: bool,
        cache: DocumentCache | None = None,
    ) -> None:
        self.sessions = sessions
        self.required = required
        self.cache = cache or DocumentCache()

    async def text_of(self, sha256: str) -> str | None:
        """The registered text with that hash, or None."""
        text = self.cache.get(sha256)
        if text is None:
            async with self.sessions() as session:
                text = await find_document(session, sha256)
            if text is not None:
                self.cache.put(sha256, text)
        return text

    async def resolve(self, body: bytes) -> bytes | Response:
        """The body with the document's text, or the answer that refuses it."""
        if not self.required and b"persistedQuery" not in body:
            return body  # the usual request of an open server: nothing to do
        try:
            data: Any = json.loads(body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            # Not one JSON request: Strawberry refuses it, unless it would run (fail closed).
            return required() if self.required else body
        query = data.get("query")
        extensions = data.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if persisted is None:
            if not self.required or query is None:  # no query at all: Strawberry says so
                return body
            known = isinstance(query, str) and await self.text_of(sha256_of(query)) is not None
            return body if known else required()
        sha256 = _sha256_of(persisted)
        if sha256 is None:
            return bad_persisted_query()
        if query is not None:
            if not isinstance(query, str) or sha256_of(query) != sha256:
                return hash_mismatch()
            # Never registered by sending it: the text runs only where any text may.
            if not self.required or await self.text_of(sha256) is not None:
                return body
            return required()
        text = await self.text_of(sha256)
        if text is None:
            return not_found()
        return json.dumps({**data, "query": text}).encode()


def _sha256_of(persisted: object) -> str | None:
    if not isinstance(persisted, dict):
        return None
    version = persisted.get("version")
    if type(version) is not int or version != PERSISTED_QUERY_VERSION:  # not True, not 1.0
        return None
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256.lower()):
        return None
    return sha256.lower()


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands out `body` once, then whatever the server sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
