"""The resolver `info` of this schema, typed with the per-request context."""

import strawberry

from resolvers.context import Context

Info = strawberry.Info[Context, None]
