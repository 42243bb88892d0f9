"""Cross-field rules of RTS 22 (compliance-facts 1.2.4 and 1.2.6).

They read only the rendered field values, so they hold whether a record was
built by :mod:`~bolt_exec.compliance.mifid.rts22` or supplied from elsewhere.
"""

from __future__ import annotations

from bolt_exec.compliance.mifid.record import Draft

__all__ = ["check_record"]

_PERSON_FIELDS = {7: (9, 10, 11), 16: (18, 19, 20), 12: (13, 14, 15), 21: (22, 23, 24)}


def check_record(draft: Draft) -> None:
    """Add an issue to ``draft`` for every cross-field rule it breaks."""
    _check_capacity(draft)
    _check_venue(draft)
    _check_persons(draft)


def _check_capacity(draft: Draft) -> None:
    capacity = draft.get(29)
    firm = draft.get(4)
    parties = {draft.get(7), draft.get(16)}
    if capacity == "DEAL" and firm not in parties:
        draft.issue(29, capacity, "DEAL needs the executing entity (field 4) as buyer or seller")
    if capacity == "AOTC" and firm in parties:
        draft.issue(
            29,
            capacity,
            "AOTC must not name the executing entity as buyer or seller; "
            "report DEAL, or fix the client's identifier",
        )
    if draft.get(25) == "true" and capacity in {"DEAL", "MTCH"}:
        draft.issue(25, "true", f"must be false when trading capacity is {capacity}")
    if capacity == "DEAL" and draft.get(59) == draft.rules.code_lists.execution_no_person:
        draft.issue(
            59,
            draft.get(59),
            "a DEAL trade was executed by someone in the firm; "
            "name the person or algorithm, not NORE",
        )


def _check_venue(draft: Draft) -> None:
    venue = draft.get(36)
    off_venue = venue in draft.rules.code_lists.off_venue_mics
    tvtic = draft.get(3)
    if off_venue and tvtic:
        draft.issue(3, tvtic, f"must be blank when the venue is {venue}")
    if venue and not off_venue and not tvtic:
        draft.issue(
            3,
            "",
            "is required for the market side of an on-venue execution; "
            "take it from the venue's execution report",
        )
    if not off_venue and venue and not draft.get(37):
        draft.issue(37, "", "is required on venue: set Firm.branch_membership_country")
    if off_venue and draft.get(61):
        draft.issue(61, draft.get(61), "waivers apply only to on-venue trades")
    if not off_venue and draft.get(63):
        draft.issue(63, draft.get(63), "OTC post-trade indicators apply only off venue")


def _check_persons(draft: Draft) -> None:
    for code_no, (first, surname, dob) in _PERSON_FIELDS.items():
        kind = draft.kinds.get(code_no, "")
        names = [draft.get(n) for n in (first, surname, dob)]
        if kind.startswith("Prsn") and not all(names):
            draft.issue(first, "", "name and date of birth are required for a natural person")
        if draft.get(code_no) and not kind.startswith("Prsn") and any(names):
            draft.issue(
                first,
                " ".join(n for n in names if n),
                "must be blank unless the party is a natural person",
            )
