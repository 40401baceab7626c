"""Root mutations. Each returns a payload with the object and a non-null `userErrors` list."""

from strawberry.tools import merge_types

from schema.documents import DocumentMutation
from schema.launch import LaunchMutation
from schema.onboarding import OnboardingMutation
from schema.store_setup import StoreSetupMutation
from schema.task_mutations import TaskMutation
from schema.team import TeamMutation
from schema.templates import TemplateMutation

Mutation = merge_types(
    "Mutation",
    (
        OnboardingMutation,
        TeamMutation,
        TaskMutation,
        TemplateMutation,
        StoreSetupMutation,
        LaunchMutation,
        DocumentMutation,
    ),
)
