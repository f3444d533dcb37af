"""The admins' payout controls: a run now (besides the schedule), audited."""

from __future__ import annotations

from sqlmodel import Session

from commerce import audit
from commerce.actor import Actor, require_admin
from commerce.kit.time import utcnow
from commerce.payouts.tasks import start_run


def run_payouts_now(s: Session, actor: Actor) -> int:
    """Pay every connected shop what is available and above the minimum, now; returns how
    many payouts were created (each is sent after commit). Earnings a payout settled are
    never paid twice, so running it again pays only what became available meanwhile."""
    admin_id = require_admin(actor, "run_payouts_now")
    now = utcnow()
    created = start_run(s, run_key=f"manual-{now:%Y%m%dT%H%M%S}")
    audit.record(s, admin_id, "run_payouts", "payouts", f"{now:%Y-%m-%dT%H:%M:%S}", label=f"{len(created)} payouts")
    return len(created)
