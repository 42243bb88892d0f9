"""RTS 22 party fields: buyer and seller (7-24), transmission (25-27), firm staff (57-60).

Who is buyer and seller follows the trading capacity [S19]:

* ``DEAL``: the firm's own LEI is on our side; the market is on the other.
* ``AOTC`` and ``MTCH``: the client is on our side. For matched principal the
  firm is interposed without market risk; we report the client like AOTC,
  which is one of the ARM scenarios (check yours).

The market side is the CCP's LEI when the instrument clears centrally, else
the venue's MIC; off venue it must be named by the ``mifid.counterparty`` tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from bolt_exec.compliance.mifid.persons import check_concat, person_code
from bolt_exec.compliance.mifid.record import Draft
from bolt_exec.compliance.mifid.refdata import (
    Client,
    DecisionMaker,
    Firm,
    InstrumentRef,
    Person,
    ReferenceData,
)
from bolt_exec.compliance.mifid.validators import check_country, check_lei, check_mic, check_text
from bolt_exec.model.enums import Side

__all__ = ["OrderContext", "fill_parties", "fill_staff"]

# Field numbers per side: (id, branch, first, surname, dob, dm code, dm first, dm surname, dm dob)
_BUYER = (7, 8, 9, 10, 11, 12, 13, 14, 15)
_SELLER = (16, 17, 18, 19, 20, 21, 22, 23, 24)


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What the party and staff fields need to know about the order."""

    side: Side
    capacity: str
    tags: dict[str, str]
    strategy_id: str
    on_venue: bool


def _put_person(draft: Draft, numbers: tuple[int, int, int, int], person: Person) -> None:
    code_no, first_no, surname_no, dob_no = numbers
    rules = draft.rules
    code = person_code(person, rules.national_ids, rules.concat)
    if code is None:
        draft.issue(
            code_no,
            "",
            "no Annex II identifier is on file for this person; record one "
            "(national id or passport number)",
        )
    else:
        problem = check_concat(code.code) if code.scheme == "CONCAT" else check_text(code.code, 35)
        draft.put(code_no, code.code, problem, f"Prsn:{code.scheme}")
        for text in code.problems:
            draft.issue(code_no, code.code, text)
    if first_no:
        draft.put(first_no, person.first_name, check_text(person.first_name, 140))
        draft.put(surname_no, person.surname, check_text(person.surname, 140))
        draft.set(dob_no, person.birth_date.isoformat())


def _put_client(draft: Draft, fields: tuple[int, ...], client: Client) -> None:
    code_no, branch_no = fields[0], fields[1]
    if client.lei is not None:
        draft.put(code_no, client.lei, check_lei(client.lei), "LEI")
    elif client.person is not None:
        _put_person(draft, (code_no, fields[2], fields[3], fields[4]), client.person)
    branch = draft.require(branch_no, client.branch_country, "when the party is a client")
    if branch is not None:
        draft.put(branch_no, branch, check_country(branch, draft.rules.countries))
    if client.decision_maker is not None:
        _put_decision_maker(draft, fields[5:], client.decision_maker)


def _put_decision_maker(draft: Draft, fields: tuple[int, ...], maker: DecisionMaker) -> None:
    if maker.lei is not None:
        draft.put(fields[0], maker.lei, check_lei(maker.lei), "LEI")
    elif maker.person is not None:
        _put_person(draft, (fields[0], fields[1], fields[2], fields[3]), maker.person)


def _put_market(draft: Draft, number: int, ctx: OrderContext, instrument: InstrumentRef) -> None:
    if instrument.ccp_lei is not None and ctx.on_venue:
        draft.put(number, instrument.ccp_lei, check_lei(instrument.ccp_lei), "LEI")
    elif ctx.on_venue:
        draft.put(number, instrument.venue_mic, check_mic(instrument.venue_mic), "MIC")
    else:
        counterparty = draft.require(
            number,
            ctx.tags.get("mifid.counterparty"),
            "off venue: tag the order with mifid.counterparty (the counterparty's LEI)",
        )
        if counterparty is not None:
            draft.put(number, counterparty, check_lei(counterparty), "LEI")


def fill_parties(
    draft: Draft,
    ctx: OrderContext,
    firm: Firm,
    reference: ReferenceData,
    instrument: InstrumentRef,
) -> None:
    """Fill fields 7-27: buyer, seller, their decision makers and transmission."""
    ours, theirs = (_BUYER, _SELLER) if ctx.side is Side.BUY else (_SELLER, _BUYER)
    client: Client | None = None
    if ctx.capacity == "DEAL":
        draft.put(ours[0], firm.lei, check_lei(firm.lei), "LEI")
    else:
        client_id = draft.require(
            ours[0],
            ctx.tags.get("mifid.client"),
            f"for {ctx.capacity or 'client'} trades: tag the order with mifid.client",
        )
        if client_id == draft.rules.code_lists.client_aggregate:
            # The firm's aggregation account (INTC): no branch country, no names.
            draft.set(ours[0], client_id, "Intl")
        elif client_id is not None:
            client = reference.client(client_id)
            if client is None:
                draft.issue(ours[0], client_id, "is not in ReferenceData.clients; onboard it")
            else:
                _put_client(draft, ours, client)
    _put_market(draft, theirs[0], ctx, instrument)

    transmission = ctx.tags.get("mifid.transmission", "false").lower()
    draft.put(25, transmission, None if transmission in {"true", "false"} else "is not true/false")
    if client is not None and client.transmitting_firm_lei is not None:
        number = 26 if ctx.side is Side.BUY else 27
        lei = client.transmitting_firm_lei
        draft.put(number, lei, check_lei(lei))


def _put_actor(
    draft: Draft,
    numbers: tuple[int, int],
    actor: str,
    reference: ReferenceData,
    firm: Firm,
) -> None:
    code_no, branch_no = numbers
    if actor.startswith("algo:"):
        algo = actor[len("algo:") :]
        problem = check_text(algo, 50)
        if problem is None and algo not in reference.algorithms:
            problem = "is not in ReferenceData.algorithms; register the algorithm"
        draft.put(code_no, algo, problem, "Algo")
        return
    if code_no == 59 and actor == draft.rules.code_lists.execution_no_person:
        draft.set(code_no, actor, "Clnt")
        return
    staff = reference.staff_member(actor)
    if staff is None:
        draft.issue(code_no, actor, "is not in ReferenceData.staff (nor 'algo:<id>')")
        return
    _put_person(draft, (code_no, 0, 0, 0), staff.person)
    branch = staff.branch_country or firm.home_country
    draft.put(branch_no, branch, check_country(branch, draft.rules.countries))


def _default_algo(ctx: OrderContext, reference: ReferenceData) -> str | None:
    if ctx.strategy_id and ctx.strategy_id in reference.algorithms:
        return f"algo:{ctx.strategy_id}"
    return None


def fill_staff(draft: Draft, ctx: OrderContext, firm: Firm, reference: ReferenceData) -> None:
    """Fill fields 57-60: who decided and who executed inside the firm.

    Execution (59) defaults to the order's ``strategy_id`` when it is a
    registered algorithm; the investment decision (57) never defaults.
    """
    # No default for the investment decision: an order's strategy_id names the
    # algorithm that *executes*; who decided must be stated (or, for AOTC, the client did).
    decision = ctx.tags.get("mifid.decision")
    if decision is not None:
        _put_actor(draft, (57, 58), decision, reference, firm)
    elif ctx.capacity == "DEAL":
        draft.issue(
            57,
            "",
            "is required when dealing on own account: tag the order with "
            "mifid.decision (staff id or algo:<id>)",
        )
    execution = ctx.tags.get("mifid.execution") or _default_algo(ctx, reference)
    if execution is None:
        draft.issue(
            59,
            "",
            "is required: tag the order with mifid.execution (staff id, algo:<id> or NORE)",
        )
        return
    _put_actor(draft, (59, 60), execution, reference, firm)
