"""The GraphQL surface: types, inputs, enums, errors, pagination, limits and the root schema."""
