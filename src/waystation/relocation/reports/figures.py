"""The figures managers need, aggregated in the database over a period.

Each function returns a ``Table`` whose every cell knows how many distinct people
(cases; for web requests, requests) stand behind it; nothing here is fit to show
before ``suppression.suppress``. No sealed field is read: only operational columns.
These are organisation-wide figures, not scoped to the cases the reader may open:
they name no case, and small cells are suppressed before anyone sees them.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Lead, TruncWeek
from django.utils.translation import gettext, ngettext

from waystation.accounts.templatetags.staff_format import local_number
from waystation.cases.models import Case, Channel, Outcome, Stage, StageChange
from waystation.intake.models import HelpRequest
from waystation.relocation.models import (
    BudgetCategory,
    Payment,
    PaymentStatus,
    Placement,
    PlacementStatus,
    SafeHouse,
)
from waystation.relocation.reports.period import Period
from waystation.web.figures.tables import Cell, Column, Kind, Row, Table

# Stages a case waits in; the others end the journey.
OPEN_STAGES = [
    Stage.REQUEST,
    Stage.SCREENING,
    Stage.VERIFICATION,
    Stage.PLANNING,
    Stage.IN_TRANSIT,
    Stage.ARRIVED,
    Stage.RESETTLEMENT,
    Stage.ON_HOLD,
    Stage.LOST_CONTACT,
]
SECONDS_PER_DAY = 86_400


def currency() -> str:
    return str(settings.WAYSTATION_REPORTING_CURRENCY)


def _count(value: int) -> Cell:
    return Cell(value=value, people=value)


def _weeks(period: Period) -> list[dt.date]:
    """Mondays of every week that touches the period."""
    monday = period.start - dt.timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def _week_of(value: dt.date | dt.datetime) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    return day - dt.timedelta(days=day.weekday())


def requests_per_week(period: Period) -> Table:
    """Web requests received and cases opened by hand (phone, Signal, e-mail), per week."""
    web = (
        HelpRequest.objects.filter(
            received_at__gte=period.start_at, received_at__lt=period.end_before
        )
        .annotate(week=TruncWeek("received_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_hand = (
        Case.objects.filter(opened_at__gte=period.start_at, opened_at__lt=period.end_before)
        # A partner's referral arrived as a request, counted above with the others.
        .exclude(channel__in=[Channel.WEB, Channel.PARTNER])
        .annotate(week=TruncWeek("opened_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    web_counts: dict[dt.date, int] = defaultdict(int)
    hand_counts: dict[dt.date, int] = defaultdict(int)
    for row in web:
        web_counts[_week_of(row["week"])] += row["n"]
    for row in by_hand:
        hand_counts[_week_of(row["week"])] += row["n"]
    rows = []
    for week in _weeks(period):
        w, h = web_counts[week], hand_counts[week]
        rows.append(Row(label=week.isoformat(), cells=(_count(w), _count(h), _count(w + h))))
    tw, th = sum(web_counts.values()), sum(hand_counts.values())
    return Table(
        name="requests",
        title=gettext("Requests per week"),
        label_header=gettext("Week from"),
        columns=(
            Column(gettext("Web requests"), Kind.COUNT, additive=True),
            Column(gettext("Opened by hand"), Kind.COUNT, additive=True),
            Column(gettext("All"), Kind.COUNT, additive=True),
        ),
        rows=tuple(rows),
        total=Row(label=gettext("Total"), cells=(_count(tw), _count(th), _count(tw + th))),
        row_total=2,
        summed=(0, 1),
        note=gettext(
            "One request is counted as one person; a person who wrote twice counts twice."
        ),
        chart_column=2,
    )


def queue_now() -> Table:
    """Cases waiting in each open stage today (the period does not apply)."""
    counts = dict(
        Case.objects.filter(stage__in=OPEN_STAGES)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("stage", "n")
    )
    rows = tuple(Row(label=str(s.label), cells=(_count(counts.get(s, 0)),)) for s in OPEN_STAGES)
    return Table(
        name="queue",
        title=gettext("Queue now, per stage"),
        label_header=gettext("Stage"),
        columns=(Column(gettext("Cases"), Kind.COUNT, additive=True),),
        rows=rows,
        total=Row(label=gettext("Total"), cells=(_count(sum(counts.values())),)),
        note=gettext("Open cases today, whatever period is chosen."),
    )


def time_in_stage(period: Period) -> Table:
    """Days spent in each stage by cases that left it during the period."""
    # The window runs in the database: each change paired with the next change of the
    # same case, i.e. the moment the case left the stage it had entered; the database
    # also subtracts, so only a stage, a case id and a duration come back per stay.
    left = Window(Lead("at"), partition_by=[F("case_id")], order_by=F("at").asc())
    stays = (
        StageChange.objects.filter(at__lt=period.end_before)
        .annotate(
            left_at=left,
            spent=ExpressionWrapper(left - F("at"), output_field=DurationField()),
        )
        .filter(left_at__gte=period.start_at, left_at__lt=period.end_before)
        .values_list("to_stage", "case_id", "spent")
    )
    days: dict[str, list[float]] = defaultdict(list)
    people: dict[str, set[str]] = defaultdict(set)
    for stage, case_id, spent in stays:
        days[stage].append(spent.total_seconds() / SECONDS_PER_DAY)
        people[stage].add(case_id)
    rows = []
    for stage in Stage:
        spans = days.get(stage.value, [])
        n = len(people.get(stage.value, ()))
        rows.append(
            Row(
                label=str(stage.label),
                cells=(
                    _count(n),
                    Cell(value=statistics.median(spans) if spans else None, people=n),
                    Cell(value=statistics.fmean(spans) if spans else None, people=n),
                ),
            )
        )
    return Table(
        name="stage_times",
        title=gettext("Time in each stage"),
        label_header=gettext("Stage"),
        columns=(
            Column(gettext("Cases"), Kind.COUNT, linked=True),
            Column(gettext("Median days"), Kind.DAYS, linked=True),
            Column(gettext("Mean days"), Kind.DAYS, linked=True),
        ),
        rows=tuple(rows),
        note=gettext("Stays that ended in the period, from entering a stage to leaving it."),
        chart_column=1,
    )


def _closed_in(period: Period) -> QuerySet[Case]:
    return Case.objects.filter(closed_at__gte=period.start_at, closed_at__lt=period.end_before)


def outcomes(period: Period) -> Table:
    """How the cases closed in the period ended."""
    counts = dict(
        _closed_in(period)
        .exclude(outcome="")
        .values("outcome")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("outcome", "n")
    )
    rows = tuple(Row(label=str(o.label), cells=(_count(counts.get(o, 0)),)) for o in Outcome)
    return Table(
        name="outcomes",
        title=gettext("Outcomes of closed cases"),
        label_header=gettext("Outcome"),
        columns=(Column(gettext("Cases"), Kind.COUNT, additive=True),),
        rows=rows,
        total=Row(label=gettext("Total"), cells=(_count(sum(counts.values())),)),
        note=gettext("Cases closed in the period."),
    )


def _approved(period: Period) -> QuerySet[Payment]:
    payments = Payment.objects.filter(status=PaymentStatus.APPROVED)
    if period.programme is not None:
        payments = payments.filter(programme=period.programme)
    return payments


def spend_by_category(period: Period) -> Table:
    """Approved spend per budget category, paid in the period."""
    payments = _approved(period).filter(paid_on__gte=period.start, paid_on__lte=period.end)
    per = {
        row["category"]: row
        for row in payments.values("category")
        .annotate(amount=Sum("reporting_minor"), people=Count("case_id", distinct=True))
        .order_by()
    }
    total = payments.aggregate(
        amount=Sum("reporting_minor"), people=Count("case_id", distinct=True)
    )
    rows = []
    for category in BudgetCategory:
        found = per.get(category.value, {"amount": 0, "people": 0})
        n = found["people"]
        rows.append(
            Row(
                label=str(category.label),
                cells=(_count(n), Cell(value=int(found["amount"] or 0), people=n)),
            )
        )
    n = total["people"] or 0
    return Table(
        name="spend",
        title=gettext("Spend by category"),
        label_header=gettext("Category"),
        columns=(
            Column(gettext("People"), Kind.COUNT, linked=True),
            Column(
                gettext("Approved (%(currency)s)") % {"currency": currency()},
                Kind.MONEY,
                additive=True,
                linked=True,
            ),
        ),
        rows=tuple(rows),
        total=Row(
            label=gettext("Total"),
            cells=(_count(n), Cell(value=int(total["amount"] or 0), people=n)),
        ),
        note=gettext(
            "Approved payments paid in the period, in the reporting currency. "
            "People are counted per category; one person may count in several."
        ),
        chart_column=1,
    )


def spend_per_person_relocated(period: Period) -> Table:
    """Total approved spend on the cases closed as relocated in the period, per person."""
    relocated = _closed_in(period).filter(outcome=Outcome.RELOCATED)
    # Case by case through the (case, paid_on) index: 0.2 s at a million payments, where
    # "case_id IN (...)" walks every approved payment (4 s). Status and programme are an
    # aggregate filter, not a WHERE, so that no planner is tempted to start from the
    # status index instead (SQLite without statistics was: minutes).
    counted = Q(status=PaymentStatus.APPROVED)
    if period.programme is not None:
        counted &= Q(programme=period.programme)
    spent = (
        Payment.objects.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(amount=Sum("reporting_minor", filter=counted))
        .values("amount")
    )
    found = relocated.annotate(spent=Subquery(spent)).aggregate(
        people=Count("id"), amount=Sum("spent")
    )
    n, amount = found["people"] or 0, int(found["amount"] or 0)
    per_person = (
        int((Decimal(amount) / n).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) if n else None
    )
    return Table(
        name="per_person",
        title=gettext("Spend per person relocated"),
        label_header=gettext("Cases closed as relocated"),
        columns=(
            Column(gettext("People"), Kind.COUNT, linked=True),
            Column(
                gettext("Approved, all time (%(currency)s)") % {"currency": currency()},
                Kind.MONEY,
                linked=True,
            ),
            Column(
                gettext("Per person (%(currency)s)") % {"currency": currency()},
                Kind.MONEY,
                linked=True,
            ),
        ),
        rows=(
            Row(
                label=gettext("Relocated"),
                cells=(_count(n), Cell(value=amount, people=n), Cell(value=per_person, people=n)),
            ),
        ),
        note=gettext("Every approved payment of those cases, whenever it was paid."),
        chart_column=2,
    )


def occupancy(period: Period) -> Table:
    """Safe-house beds used and available, per week of the period."""
    placements = (
        Placement.objects.exclude(status=PlacementStatus.CANCELLED)
        .filter(arrives_on__lte=period.end, leaves_on__gt=period.start)
        .values_list("case_id", "arrives_on", "leaves_on", "beds")
    )
    beds = SafeHouse.objects.filter(active=True).aggregate(beds=Sum("beds"))["beds"] or 0
    weeks = _weeks(period)
    used: dict[dt.date, int] = defaultdict(int)
    people: dict[dt.date, set[str]] = defaultdict(set)
    everyone: set[str] = set()
    # Placements are few (hundreds a year); the nights are counted here rather than in a
    # calendar table that SQLite and PostgreSQL would each build differently.
    for case_id, arrives, leaves, taken in placements:
        first, last = max(arrives, period.start), min(leaves - dt.timedelta(days=1), period.end)
        if last < first:
            continue
        everyone.add(case_id)
        week = _week_of(first)
        while week <= last:
            nights = (min(last, week + dt.timedelta(days=6)) - max(first, week)).days + 1
            if nights > 0:
                used[week] += nights * taken
                people[week].add(case_id)
            week += dt.timedelta(days=7)
    rows = []
    total_available = 0
    for week in weeks:
        nights = (min(period.end, week + dt.timedelta(days=6)) - max(period.start, week)).days + 1
        available = nights * beds
        total_available += available
        n = len(people[week])
        rows.append(
            Row(
                label=week.isoformat(),
                cells=(
                    _count(n),
                    Cell(value=used[week], people=n),
                    Cell(value=available, people=None),
                    Cell(value=_percent(used[week], available), people=n),
                ),
            )
        )
    total_used = sum(used.values())
    n = len(everyone)
    return Table(
        name="occupancy",
        title=gettext("Safe-house occupancy per week"),
        label_header=gettext("Week from"),
        columns=(
            Column(gettext("People"), Kind.COUNT, linked=True),
            Column(gettext("Bed-nights used"), Kind.NIGHTS, additive=True, linked=True),
            Column(gettext("Bed-nights available"), Kind.NIGHTS, additive=True),
            Column(gettext("Occupancy"), Kind.PERCENT, linked=True),
        ),
        rows=tuple(rows),
        total=Row(
            label=gettext("Total"),
            cells=(
                _count(n),
                Cell(value=total_used, people=n),
                Cell(value=total_available, people=None),
                Cell(
                    value=100 * total_used / total_available if total_available else None, people=n
                ),
            ),
        ),
        note=ngettext(
            "Stays not cancelled; beds of the houses active today (%(beds)s bed).",
            "Stays not cancelled; beds of the houses active today (%(beds)s beds).",
            beds,
        )
        % {"beds": local_number(beds)},
        chart_column=1,
    )


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def all_tables(period: Period) -> list[Table]:
    return [
        requests_per_week(period),
        queue_now(),
        time_in_stage(period),
        outcomes(period),
        spend_by_category(period),
        spend_per_person_relocated(period),
        occupancy(period),
    ]


FIGURES = {
    "requests": requests_per_week,
    "stage_times": time_in_stage,
    "outcomes": outcomes,
    "spend": spend_by_category,
    "per_person": spend_per_person_relocated,
    "occupancy": occupancy,
}


def table(name: str, period: Period) -> Table | None:
    """One table by its name, or None for a name that is not one."""
    if name == "queue":
        return queue_now()
    figure = FIGURES.get(name)
    return figure(period) if figure else None
