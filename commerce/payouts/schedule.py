"""The admin's payout schedule: daily or weekly (on one weekday), and the minimum amount a
payout must reach. One row; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from commerce import audit, i18n
from commerce.actor import Actor, require_admin
from commerce.errors import ValidationError
from commerce.i18n import bo_gettext, bo_N_
from commerce.kit.time import utcnow
from commerce.models import PayoutInterval, PayoutSchedule
from commerce.money import currency_exponent

SCHEDULE_ID = 1
WEEKDAYS = (
    bo_N_("Monday"),
    bo_N_("Tuesday"),
    bo_N_("Wednesday"),
    bo_N_("Thursday"),
    bo_N_("Friday"),
    bo_N_("Saturday"),
    bo_N_("Sunday"),
)
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
    """The schedule with its sentence in the current language."""
    minimum = i18n.format_number(schedule.minimum_major)
    if schedule.interval == PayoutInterval.DAILY:
        label = bo_gettext(
            "Every day, once at least {minimum} (in the payout's currency) is available", minimum=minimum
        )
    else:
        label = bo_gettext(
            "Every {weekday}, once at least {minimum} (in the payout's currency) is available",
            weekday=bo_gettext(WEEKDAYS[schedule.weekday]),
            minimum=minimum,
        )
    return ScheduleView(
        interval=schedule.interval, weekday=schedule.weekday, minimum_major=schedule.minimum_major, label=label
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
        raise ValidationError(bo_gettext("Choose daily or weekly payouts."), "interval") from None
    day_text, minimum_text = str(weekday).strip(), str(minimum).strip()
    if not (day_text.isdigit() and 0 <= int(day_text) <= 6):
        raise ValidationError(bo_gettext("Choose the weekday weekly payouts run on."), "weekday")
    if not (minimum_text.isascii() and minimum_text.isdigit() and 0 <= int(minimum_text) <= MAX_MINIMUM):
        raise ValidationError(
            bo_gettext("Enter the minimum payout as a whole number from 0 to {maximum}.", maximum=MAX_MINIMUM),
            "minimum",
        )
    row = s.get(PayoutSchedule, SCHEDULE_ID) or PayoutSchedule(id=SCHEDULE_ID)
    row.interval, row.weekday, row.minimum_major, row.updated_at = chosen, int(day_text), int(minimum_text), utcnow()
    s.add(row)
    s.flush()
    # The audit record is kept in English, whoever reads it later in whichever language.
    with i18n.use_language(i18n.DEFAULT_LANGUAGE):
        audit.record(s, admin_id, "set_payout_schedule", "payouts", SCHEDULE_ID, label=describe(row).label)
    return describe(row)
