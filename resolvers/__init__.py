"""Application logic: request context, dataloaders, queries and mutations (services)."""
