"""Every part of the GraphQL schema a frontend developer reads carries a description: types,
fields, arguments, enum values, inputs and their fields. Introspection types and the built-in
scalars and directives are GraphQL's own and are skipped."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
)

from schema.build import build_schema


def _described(description: str | None) -> bool:
    return bool(description and description.strip())


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every schema coordinate (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`,
    `Input.field`, `@directive(arg:)`) that has no description."""
    missing: list[str] = []
    for name, type_ in sorted(schema.type_map.items()):
        if is_introspection_type(type_) or is_specified_scalar_type(type_):
            continue
        if not _described(type_.description):
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                if not _described(field.description):
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not _described(arg.description):
                        missing.append(f"{name}.{field_name}({arg_name}:)")
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                if not _described(input_field.description):
                    missing.append(f"{name}.{field_name}")
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                if not _described(value.description):
                    missing.append(f"{name}.{value_name}")
        elif isinstance(type_, GraphQLUnionType):
            pass  # a union has no parts of its own to describe
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        if not _described(directive.description):
            missing.append(f"@{directive.name}")
        for arg_name, arg in directive.args.items():
            if not _described(arg.description):
                missing.append(f"@{directive.name}({arg_name}:)")
    return missing


def test_every_part_of_the_schema_is_described() -> None:
    missing = undescribed(build_schema()._schema)
    assert not missing, f"{len(missing)} schema elements have no description:\n  " + "\n  ".join(
        missing
    )


def test_the_walk_finds_a_missing_description() -> None:
    from graphql import build_schema as parse_sdl

    sdl = '''
        """A described type."""
        type Query {
          """Described."""
          a(x: Int): Int
          b: E
        }
        enum E { ONE }
    '''
    assert undescribed(parse_sdl(sdl)) == ["E", "E.ONE", "Query.a(x:)", "Query.b"]
