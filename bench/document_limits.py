"""`python -m bench.document_limits`: how long the schema takes to refuse or accept hostile
documents (parse + validation with every rule, no cache), median of several runs, in ms."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from graphql import GraphQLError, parse, specified_rules, validate

from schema.build import build_schema
from schema.limits import DEFAULT_LIMITS, VALIDATION_RULES


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


def measure(text: str, runs: int = 7) -> tuple[float, list[str]]:
    schema = build_schema()._schema
    rules = [*specified_rules, *VALIDATION_RULES]
    timings, messages = [], []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            document = parse(text, max_tokens=DEFAULT_LIMITS.max_tokens)
            errors = validate(schema, document, rules)
        except GraphQLError as error:
            errors = [error]
        timings.append((time.perf_counter() - start) * 1000)
        messages = [e.message.splitlines()[0][:70] for e in errors[:2]]
    return statistics.median(timings), messages


def main() -> int:
    print(f"{'document':34} {'bytes':>7} {'ms':>8}  outcome")
    for title, make in DOCUMENTS.items():
        text = make()
        ms, messages = measure(text)
        print(f"{title:34} {len(text):>7} {ms:>8.1f}  {'; '.join(messages) or 'valid'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
