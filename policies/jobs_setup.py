"""Background jobs' classes for Oso: the fields their rules (policies/jobs.polar) may filter on."""

from __future__ import annotations

from oso import Oso

from db.jobs import FailedJob


def register_jobs(oso: Oso) -> None:
    oso.register_class(FailedJob, fields={"id": int})
