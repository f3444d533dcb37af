"""What the domain hands the studio and the admin console follows the reader's language:
the payout schedule's sentence, payout requirements, shop-quality flags, queue ages."""

from __future__ import annotations

from commerce import i18n
from commerce.models import PayoutInterval, PayoutSchedule
from commerce.moderation.quality import REFUND_RATE_THRESHOLD, _flags
from commerce.payments.connect import requirement_label
from commerce.payouts.schedule import describe

WEEKLY_ON_WEDNESDAY = PayoutSchedule(id=1, interval=PayoutInterval.WEEKLY, weekday=2, minimum_major=50)


def test_the_payout_schedule_reads_in_the_admins_language():
    assert describe(WEEKLY_ON_WEDNESDAY).label == (
        "Every Wednesday, once at least 50 (in the payout's currency) is available"
    )
    with i18n.use_language("de"):
        assert describe(WEEKLY_ON_WEDNESDAY).label == (
            "Jeden Mittwoch, sobald mindestens 50 (in der Währung der Auszahlung) verfügbar ist"
        )
    with i18n.use_language("fr"):
        assert describe(WEEKLY_ON_WEDNESDAY).label.startswith("Chaque mercredi")


def test_what_a_payout_account_still_needs_is_in_the_sellers_language():
    with i18n.use_language("es"):
        assert requirement_label("individual.dob.year") == "tu fecha de nacimiento"
        assert requirement_label("external_account") == "una cuenta bancaria para recibir los pagos"


def test_shop_quality_flags_are_in_the_admins_language():
    with i18n.use_language("ja"):
        flags = _flags(sales=100, refunds=30, disputes=0, average=0.0, reviews=0, reports=0)
    assert flags == [f"返金率 30% が {REFUND_RATE_THRESHOLD:.0%} を超えています。"]
