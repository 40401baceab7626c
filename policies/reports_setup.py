"""Saved reports' class for Oso: the fields its rules (policies/reports.polar) may filter on."""

from __future__ import annotations

from oso import Oso

from db.reports import SavedReport


def register_reports(oso: Oso) -> None:
    oso.register_class(SavedReport, fields={"id": int, "partner_id": int, "author_member_id": int})
