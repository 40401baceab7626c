"""The process edge: settings, the Starlette app, bearer-token auth, and the `shopiq` CLI."""
