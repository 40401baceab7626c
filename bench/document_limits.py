"""`python -m bench.document_limits`: how long the schema takes to refuse or accept hostile
documents (parse + validation with every rule, no cache), median of several runs, in ms."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from graphql import GraphQLError, parse, specified_rules

from schema.build import build_schema
from schema.document_limits import validate_limited
from schema.limits import DEFAULT_LIMITS, shape_check


def fan_out(levels: int, leaf: str = "a: __typename") -> str:
    parts = [f"query {{ ...F{levels} }}", f"fragment F0 on Query {{ {leaf} }}"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(parts)


def worst_case_tokens(tokens: int) -> str:
    """Sibling fields of one name: the most work per token for field-merging validation."""
    return "{" + " __typename" * (tokens - 2) + " }"


def deep_fragments(tokens: int) -> str:
    """Nested inline fragments with directives, up to the token budget."""
    unit = "... @include(if: true) { "
    count = (tokens - 4) // 8
    return "{ " + unit * count + "__typename" + " }" * count + " }"


DOCUMENTS: dict[str, Callable[[], str]] = {
    "fan-out 30 levels (alias)": lambda: fan_out(30),
    "fan-out 30 levels (no alias)": lambda: fan_out(30, "__typename"),
    "2,000 tokens: repeated field": lambda: worst_case_tokens(2_000),
    "2,000 tokens: nested directives": lambda: deep_fragments(2_000),
    "token limit: repeated field": lambda: worst_case_tokens(DEFAULT_LIMITS.max_tokens),
    "token limit: nested directives": lambda: deep_fragments(DEFAULT_LIMITS.max_tokens),
}


def within_field_limit(tokens: int) -> str:
    """The costliest shape the field limit lets through: sibling fields of one name, repeated
    up to the limit per level, at as many levels as the tokens allow (left to the validation
    budget)."""
    per_level = DEFAULT_LIMITS.max_selection_fields - 1
    level = "viewer { " + " __typename" * per_level + " }"
    return "{ " + " ".join([level] * max(1, tokens // (per_level + 3))) + " }"


DOCUMENTS["2,000 tokens: within the field limit"] = lambda: within_field_limit(2_000)
DOCUMENTS["token limit: within the field limit"] = lambda: within_field_limit(
    DEFAULT_LIMITS.max_tokens
)


def measure(text: str, runs: int = 7) -> tuple[float, float, list[str]]:
    """Parsing, then validation as the server does it: the shape limits first, then GraphQL's
    rules (the field-merging one with the validation budget); medians in ms."""
    schema = build_schema()._schema
    check = shape_check(DEFAULT_LIMITS)
    parsing, validating, messages = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            document = parse(text, max_tokens=DEFAULT_LIMITS.max_tokens)
        except GraphQLError as error:
            parsing.append((time.perf_counter() - start) * 1000)
            validating.append(0.0)
            messages = [error.message.splitlines()[0][:70]]
            continue
        parsed = time.perf_counter()
        errors = validate_limited(
            schema, document, specified_rules, check, DEFAULT_LIMITS.validation_budget
        )
        parsing.append((parsed - start) * 1000)
        validating.append((time.perf_counter() - parsed) * 1000)
        messages = [e.message.splitlines()[0][:70] for e in errors[:2]]
    return statistics.median(parsing), statistics.median(validating), messages


def main() -> int:
    print(f"{'document':38} {'bytes':>7} {'parse ms':>9} {'valid. ms':>9}  outcome")
    for title, make in DOCUMENTS.items():
        text = make()
        parse_ms, validate_ms, messages = measure(text)
        outcome = "; ".join(messages) or "valid"
        print(f"{title:38} {len(text):>7} {parse_ms:>9.1f} {validate_ms:>9.1f}  {outcome}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
