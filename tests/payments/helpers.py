"""Lines for the statements, letters and totals tests, made through the services, at any stage."""

from datetime import date, datetime, time
from decimal import Decimal

from payments.models import Activity, ExpenseType, Line
from payments.services import line_add, line_approve, line_refuse, line_reverse, lines_mark_paid


def make_line(
    collaborative,
    user,
    day: date,
    pence: int,
    *,
    status: str = Line.Status.APPROVED,
    kind: str = Line.Kind.TIME,
    description: str = "",
    activity: str = Activity.MEETING,
    quantity: Decimal = Decimal(1),
    meeting=None,
    by=None,
) -> Line:
    """A line for `user` on `day` of `pence`, taken through the services to `status`."""
    fields = {"activity": activity} if kind == Line.Kind.TIME else {"expense_type": ExpenseType.PUBLIC_TRANSPORT}
    by = by or user  # Someone made it: the person, claiming, unless said otherwise.
    line = line_add(
        by=by,
        collaborative=collaborative,
        user=user,
        kind=kind,
        description=description or ("Monthly meeting" if kind == Line.Kind.TIME else "Bus fares"),
        activity_on=day,
        meeting=meeting,
        quantity=quantity,
        unit_pence=pence,
        amount_pence=pence,
        status=Line.Status.WAITING,
        **fields,
    )
    # Nobody approves or pays their own money: the person's own lines are approved by "the application".
    decider = None if by == user else by
    if status in (Line.Status.APPROVED, Line.Status.PAID):
        line_approve(line=line, by=decider)
    if status == Line.Status.PAID:
        # Made on its day, so that it can be paid on that day (never before the line was made).
        made = datetime.combine(day, time(9), tzinfo=collaborative.zone)
        Line.objects.filter(pk=line.pk).update(created_at=min(made, line.created_at))
        lines_mark_paid(lines=[line], by=decider, paid_on=day, reference=f"BACS {day:%d%m}")
    if status == Line.Status.REFUSED:
        line_refuse(line=line, by=decider, reason="No receipt.")
    if status == Line.Status.CANCELLED:
        Line.objects.filter(pk=line.pk).update(status=Line.Status.CANCELLED)
    line.refresh_from_db()
    return line


def reverse_line(line: Line, by=None) -> Line:
    return line_reverse(line=line, by=by, reason="Marked as not there.")
