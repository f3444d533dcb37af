"""The admin console's flags page: every registered flag and how far it is rolled out.

Each change is an admin decision like any other: refused (and logged) for anyone else,
and recorded in the audit trail in the same transaction (`set_feature_flag`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from commerce import audit, i18n
from commerce.actor import Actor, require_admin
from commerce.db import after_commit
from commerce.errors import ValidationError
from commerce.flags.cache import flag_cache, read_rules
from commerce.flags.registry import FLAGS, FlagDefinition
from commerce.flags.rules import Rule
from commerce.i18n import bo_gettext, bo_N_, bo_ngettext
from commerce.kit.email import normalise_email
from commerce.kit.time import minute_label, utcnow
from commerce.models import FeatureFlag, FeatureFlagAccount, FlagRollout, User, primary_key

ROLLOUT_LABELS = {
    FlagRollout.EVERYONE: bo_N_("Everyone"),
    FlagRollout.NOBODY: bo_N_("Nobody"),
    FlagRollout.ACCOUNTS: bo_N_("Listed accounts"),
    FlagRollout.PERCENTAGE: bo_N_("A share of accounts"),
}
MAX_ACCOUNTS = 500


@dataclass(frozen=True)
class FlagView:
    key: str
    label: str
    description: str
    default_label: str
    rollout: str
    summary: str
    percentage: int
    # The listed accounts' emails, one per line (what the form shows and takes back).
    accounts: str
    updated_label: str
    updated_by: str


def _summary(rule: Rule, emails: list[str]) -> str:
    if rule.rollout == FlagRollout.PERCENTAGE:
        # The sign rides in the value: a "%" in the msgid would read as a printf format to gettext.
        return bo_gettext("{share} of accounts", share=f"{i18n.format_number(rule.percentage)} %")
    if rule.rollout == FlagRollout.ACCOUNTS:
        listed = ", ".join(emails[:3])
        if len(emails) > 3:
            listed = bo_ngettext(
                "{emails} and {count} more", "{emails} and {count} more", len(emails) - 3, emails=listed
            )
        return bo_ngettext(
            "{count} listed account: {emails}", "{count} listed accounts: {emails}", len(emails), emails=listed
        )
    return bo_gettext(ROLLOUT_LABELS[rule.rollout])


def _view(s: Session, flag: FlagDefinition, rule: Rule) -> FlagView:
    row = s.get(FeatureFlag, flag.key)
    emails = sorted(s.exec(select(User.email).where(col(User.id).in_(rule.accounts))).all()) if rule.accounts else []
    editor = s.get(User, row.updated_by) if row is not None else None
    return FlagView(
        key=flag.key,
        label=bo_gettext(flag.label),
        description=bo_gettext(flag.description),
        default_label=bo_gettext("on for everyone") if flag.default else bo_gettext("off"),
        rollout=rule.rollout.value,
        summary=_summary(rule, emails),
        percentage=rule.percentage,
        accounts="\n".join(emails),
        updated_label=minute_label(row.updated_at) if row is not None else "",
        updated_by=editor.email if editor is not None else "",
    )


def list_flags(s: Session, actor: Actor) -> list[FlagView]:
    require_admin(actor, "list_flags")
    rules = read_rules(s)
    return [_view(s, flag, rules[key]) for key, flag in FLAGS.items()]


def _percentage(value: object) -> int:
    text = value.strip().removesuffix("%").strip() if isinstance(value, str) else ""
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValidationError(bo_gettext("Enter a whole percentage from 0 to 100."), "percentage")
    return int(text)


def _account_ids(s: Session, value: object) -> set[int]:
    entries = [entry for entry in re.split(r"[\s,;]+", value if isinstance(value, str) else "") if entry]
    if not entries:
        raise ValidationError(bo_gettext("List at least one account's email address."), "accounts")
    if len(entries) > MAX_ACCOUNTS:
        raise ValidationError(
            bo_gettext("List at most {count} accounts; use a percentage for more.", count=MAX_ACCOUNTS), "accounts"
        )
    emails = set()
    for entry in entries:
        try:
            emails.add(normalise_email(entry))
        except ValidationError:
            raise ValidationError(
                bo_gettext("{entry} is not an email address.", entry=entry[:80]), "accounts"
            ) from None
    found = dict(s.exec(select(User.email, User.id).where(col(User.email).in_(emails))).all())
    missing = sorted(emails - set(found))
    if missing:
        raise ValidationError(
            bo_gettext("No account has the address {emails}.", emails=", ".join(missing[:5])), "accounts"
        )
    return {primary_key(user_id) for user_id in found.values()}


def set_flag(
    s: Session, actor: Actor, *, key: str, rollout: str, percentage: object = "", accounts: object = ""
) -> FlagView:
    """Roll the flag `key` out to everyone, nobody, the accounts listed by email, or a percentage."""
    admin_id = require_admin(actor, "set_flag", key=key)
    if not isinstance(key, str) or key not in FLAGS:
        raise ValidationError(bo_gettext("There is no such flag."), "key")
    try:
        chosen = FlagRollout(rollout)
    except ValueError:
        raise ValidationError(bo_gettext("Choose who the flag is on for."), "rollout") from None
    share = _percentage(percentage) if chosen == FlagRollout.PERCENTAGE else 0
    listed = _account_ids(s, accounts) if chosen == FlagRollout.ACCOUNTS else set()

    row = s.get(FeatureFlag, key) or FeatureFlag(key=key, rollout=chosen, updated_by=admin_id)
    row.rollout, row.percentage, row.updated_by, row.updated_at = chosen, share, admin_id, utcnow()
    s.add(row)
    s.flush()
    s.exec(delete(FeatureFlagAccount).where(col(FeatureFlagAccount.flag_key) == key))
    s.add_all(FeatureFlagAccount(flag_key=key, user_id=user_id) for user_id in sorted(listed))
    s.flush()

    view = _view(s, FLAGS[key], Rule(chosen, share, frozenset(listed)))
    # The audit record is kept in English, whoever reads it later in whichever language.
    with i18n.use_language(i18n.DEFAULT_LANGUAGE):
        summary = _summary(Rule(chosen, share, frozenset(listed)), sorted(view.accounts.split("\n")) if listed else [])
    audit.record(s, admin_id, "set_feature_flag", "flag", key, label=FLAGS[key].label, reason=summary)
    # This replica answers with the change at once; the others within CACHE_SECONDS.
    after_commit(s, flag_cache.forget, once_as="flags:forget")
    return view
