"""The admin's payout schedule: daily or weekly (on one weekday), and the minimum amount a
payout must reach. One row; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.errors import ValidationError
from commerce.kit.time import utcnow
from commerce.models import PayoutInterval, PayoutSchedule
from commerce.money import currency_exponent

SCHEDULE_ID = 1
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_MINIMUM = 10_000


@dataclass(frozen=True)
class ScheduleView:
    interval: str
    weekday: int
    minimum_major: int
    label: str


def current_schedule(s: Session) -> PayoutSchedule:
    """The stored schedule, or the default one (weekly on Mondays, 10 units minimum)."""
    return s.get(PayoutSchedule, SCHEDULE_ID) or PayoutSchedule(id=SCHEDULE_ID)


def describe(schedule: PayoutSchedule) -> ScheduleView:
    when = "Every day" if schedule.interval == PayoutInterval.DAILY else f"Every {WEEKDAYS[schedule.weekday]}"
    return ScheduleView(
        interval=schedule.interval,
        weekday=schedule.weekday,
        minimum_major=schedule.minimum_major,
        label=f"{when}, once at least {schedule.minimum_major} (in the payout's currency) is available",
    )


def minimum_amount(schedule: PayoutSchedule, currency: str) -> int:
    """The schedule's minimum in `currency`'s minor units."""
    return schedule.minimum_major * 10 ** currency_exponent(currency)


def due_run_key(schedule: PayoutSchedule, now: datetime) -> str | None:
    """The key of the scheduled run due on `now`'s UTC day (each runs once), or None."""
    if schedule.interval == PayoutInterval.DAILY:
        return f"daily-{now:%Y-%m-%d}"
    if now.weekday() == schedule.weekday:
        return f"weekly-{now:%Y-%m-%d}"
    return None


def next_run_day(schedule: PayoutSchedule, now: datetime, *, ran_today: bool) -> datetime:
    """The UTC day of the next scheduled run (today if it has not run yet)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(8):
        candidate = day + timedelta(days=offset)
        if offset == 0 and ran_today:
            continue
        if due_run_key(schedule, candidate) is not None:
            return candidate
    return day + timedelta(days=7)


def set_schedule(s: Session, actor: Actor, *, interval: str, weekday: str | int, minimum: str | int) -> ScheduleView:
    """Change how often sellers are paid and the smallest payout (whole units of the currency)."""
    admin_id = require_admin(actor, "set_payout_schedule")
    try:
        chosen = PayoutInterval(interval)
    except ValueError:
        raise ValidationError("Choose daily or weekly payouts.", "interval") from None
    day_text, minimum_text = str(weekday).strip(), str(minimum).strip()
    if not (day_text.isdigit() and 0 <= int(day_text) <= 6):
        raise ValidationError("Choose the weekday weekly payouts run on.", "weekday")
    if not (minimum_text.isascii() and minimum_text.isdigit() and 0 <= int(minimum_text) <= MAX_MINIMUM):
        raise ValidationError(f"Enter the minimum payout as a whole number from 0 to {MAX_MINIMUM}.", "minimum")
    row = s.get(PayoutSchedule, SCHEDULE_ID) or PayoutSchedule(id=SCHEDULE_ID)
    row.interval, row.weekday, row.minimum_major, row.updated_at = chosen, int(day_text), int(minimum_text), utcnow()
    s.add(row)
    s.flush()
    view = describe(row)
    audit.record(s, admin_id, "set_payout_schedule", "payouts", SCHEDULE_ID, label=view.label)
    return view
