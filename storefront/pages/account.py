"""The account page: profile, password, update emails, opening a shop, signing out everywhere."""

from __future__ import annotations

import reflex as rx
from reflex.vars import FunctionStringVar

import routes
from components import theme
from components.buttons import link_button
from components.forms import (
    form_error,
    form_notice,
    labelled_input,
    section_card,
    stacked_form,
    submit_button,
    submit_row,
)
from components.i18n import t
from components.passkey import passkey_button
from components.step_up import step_up_prompt
from state.account import AccountState
from state.account_email import AccountEmailState
from state.account_security import AccountSecurityState as Security
from state.notifications import PreferencesState
from state.privacy import PrivacyState
from state.session import SessionState
from storefront.layout import column, library_page, shop_page


def profile() -> rx.Component:
    return section_card(
        t("Profile"),
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label(t("Name")), rx.data_list.value(SessionState.display_name, id="account-name")
            ),
            rx.data_list.item(
                rx.data_list.label(t("Email")), rx.data_list.value(SessionState.email, id="account-email")
            ),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        id="account-profile",
    )


def change_email() -> rx.Component:
    return section_card(
        t("Change email address"),
        rx.cond(
            AccountState.has_password,
            rx.fragment(
                form_error(AccountEmailState.email_errors.get("form", ""), id="email-error"),
                form_notice(AccountEmailState.email_notice, id="email-notice"),
                step_up_prompt(AccountEmailState.step_up_needed, AccountEmailState.confirm_step_up, id="email-step-up"),
                stacked_form(
                    labelled_input(
                        t("New email address"),
                        name="new_email",
                        id="email-new",
                        type="email",
                        auto_complete="email",
                        error=AccountEmailState.email_errors.get("email", ""),
                    ),
                    labelled_input(
                        t("Current password"),
                        name="current_password",
                        id="email-password",
                        type="password",
                        auto_complete="current-password",
                        error=AccountEmailState.email_errors.get("current_password", ""),
                    ),
                    submit_row(
                        submit_button(
                            t("Send confirmation link"), id="email-submit", loading=AccountEmailState.email_pending
                        )
                    ),
                    on_submit=AccountEmailState.request_change,
                    id="email-form",
                ),
            ),
            rx.text(
                t("Set a password below first: changing your email address asks for it."), id="email-needs-password"
            ),
        ),
        description=t(
            "We send a link to the new address; your email changes when you open it, and your current address is told."
        ),
        id="account-email-change",
    )


def change_password() -> rx.Component:
    return section_card(
        t("Change password"),
        stacked_form(
            form_error(AccountState.password_errors.get("form", ""), id="password-error"),
            form_notice(AccountState.password_notice, id="password-notice"),
            labelled_input(
                t("Current password"),
                name="current_password",
                id="password-current",
                type="password",
                auto_complete="current-password",
                error=AccountState.password_errors.get("current_password", ""),
            ),
            labelled_input(
                t("New password"),
                name="new_password",
                id="password-new",
                type="password",
                auto_complete="new-password",
                hint=t("At least 10 characters."),
                error=AccountState.password_errors.get("password", ""),
            ),
            labelled_input(
                t("Confirm new password"),
                name="confirm_password",
                id="password-confirm",
                type="password",
                auto_complete="new-password",
                error=AccountState.password_errors.get("confirm", ""),
            ),
            submit_row(
                submit_button(t("Change password"), id="password-submit", loading=AccountState.password_pending)
            ),
            on_submit=AccountState.change_password,
            id="password-form",
        ),
        id="account-password",
    )


def set_first_password() -> rx.Component:
    return section_card(
        t("Set a password (optional)"),
        stacked_form(
            rx.text(
                t(
                    "You signed in with the link from your receipt, and you can keep doing so. "
                    "A password is optional: it lets you sign in without an email link."
                ),
                id="password-optional",
            ),
            form_error(AccountState.password_errors.get("form", ""), id="password-error"),
            labelled_input(
                t("Password"),
                name="new_password",
                id="password-new",
                type="password",
                auto_complete="new-password",
                hint=t("At least 10 characters."),
                error=AccountState.password_errors.get("password", ""),
            ),
            labelled_input(
                t("Confirm password"),
                name="confirm_password",
                id="password-confirm",
                type="password",
                auto_complete="new-password",
                error=AccountState.password_errors.get("confirm", ""),
            ),
            submit_row(submit_button(t("Set password"), id="password-submit", loading=AccountState.password_pending)),
            on_submit=AccountState.set_first_password,
            id="password-form",
        ),
        id="account-password",
    )


def password_section() -> rx.Component:
    return rx.fragment(
        form_notice(AccountState.first_password_notice, id="password-set-notice"),
        rx.cond(AccountState.has_password, change_password(), set_first_password()),
    )


def update_emails() -> rx.Component:
    return section_card(
        t("Product update emails"),
        rx.text(
            rx.hstack(
                rx.switch(
                    checked=AccountState.update_emails,
                    on_change=AccountState.set_update_emails,
                    id="update-emails-switch",
                    size="3",
                ),
                rx.text(t("Email me when a product I bought has a new version")),
                spacing="3",
                align="center",
            ),
            as_="label",
        ),
        form_notice(AccountState.update_emails_notice, id="update-emails-notice"),
        description=t("New versions always show up in your library, marked as updated."),
        id="update-emails",
    )


def open_shop() -> rx.Component:
    has_shop = section_card(
        t("Your shop"),
        rx.text(t("Your shop is open. Manage products and sales in the seller studio.")),
        rx.box(link_button(t("Go to the seller studio"), routes.SELLER, id="account-studio")),
        id="open-shop",
    )
    new_shop = section_card(
        t("Sell on {brand}", brand=theme.BRAND_NAME),
        stacked_form(
            form_error(AccountState.shop_errors.get("form", ""), id="shop-error"),
            labelled_input(
                t("Shop name"),
                name="shop_name",
                id="shop-name",
                auto_complete="organization",
                error=AccountState.shop_errors.get("name", ""),
            ),
            labelled_input(
                t("Shop address"),
                name="shop_slug",
                id="shop-slug",
                auto_complete="off",
                placeholder="my-shop",
                hint=t("3 to 40 lower-case letters, digits and dashes: /s/my-shop"),
                error=AccountState.shop_errors.get("slug", ""),
            ),
            submit_row(submit_button(t("Open my shop"), id="shop-submit", loading=AccountState.shop_pending)),
            on_submit=AccountState.create_shop,
            id="shop-form",
        ),
        description=t("Open a shop to publish your digital products and sell them here."),
        id="open-shop",
    )
    return rx.cond(SessionState.has_shop, has_shop, new_shop)


def preference_row(pref) -> rx.Component:
    switch_id = "pref-" + pref.kind + "-" + pref.channel
    return rx.hstack(
        rx.vstack(
            rx.el.label(
                pref.label, " · ", pref.channel_label, html_for=switch_id, font_weight="500", font_size="0.9rem"
            ),
            rx.text(pref.description, size="1", color=theme.TEXT_MUTED),
            spacing="0",
            flex_grow="1",
        ),
        rx.switch(
            id=switch_id,
            checked=pref.enabled,
            on_change=lambda checked: PreferencesState.set_notification(pref.kind, pref.channel, checked),
        ),
        align="center",
        width="100%",
    )


def sms_number_form() -> rx.Component:
    return stacked_form(
        rx.el.label(t("Mobile number for SMS"), html_for="sms-number", font_weight="500", font_size="0.9rem"),
        rx.hstack(
            rx.input(
                id="sms-number",
                name="sms_number",
                type="tel",
                auto_complete="tel",
                placeholder="+44 7700 900123",
                default_value=PreferencesState.sms_number,
                key=PreferencesState.sms_number,
                flex_grow="1",
            ),
            rx.button(t("Save number"), type="submit", variant="soft", id="sms-number-save"),
            width="100%",
        ),
        rx.text(
            t(
                "SMS messages go only to this number, and only for the kinds switched on above. "
                "Leave it empty to remove it."
            ),
            size="1",
            color=theme.TEXT_MUTED,
        ),
        spacing="1",
        on_submit=PreferencesState.set_sms_number,
    )


# Runs assets/push.js's function, compiled into the page (nothing is evaluated from a string).
# A click before the page's own load of the script has arrived (or after it failed) loads it
# first, rather than doing nothing. The address is built at run time: the bundler would try
# to resolve a literal one.
SUBSCRIBE_TO_PUSH = rx.call_function(
    FunctionStringVar.create(
        "() => (window.marketplacePush ? Promise.resolve()"
        " : import(/* @vite-ignore */ new URL('/push.js', window.location.href).href))"
        ".then(() => window.marketplacePush.subscribe())"
    )
)


def push_device_row(device) -> rx.Component:
    return rx.hstack(
        rx.icon("bell", size=16),
        rx.text(t("{device} · added {date}", device=device.device, date=device.added_label), size="2", flex_grow="1"),
        rx.button(
            t("Remove"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=PreferencesState.remove_push_device(device.id),
            aria_label=t("Remove {title}", title=device.device),
        ),
        align="center",
        width="100%",
        custom_attrs={"data-testid": "push-device"},
    )


def push_devices() -> rx.Component:
    """This browser's push subscription (made by assets/push.js) and the browsers already subscribed."""
    return rx.vstack(
        rx.script(src="/push.js"),
        rx.el.label(t("Push notifications"), font_weight="500", font_size="0.9rem"),
        rx.text(
            t("Sale alerts switched on for Push arrive on the browsers listed here, even with the shop closed."),
            size="1",
            color=theme.TEXT_MUTED,
        ),
        rx.foreach(PreferencesState.push_devices, push_device_row),
        # The script fills the hidden field with the browser's subscription (or why there is
        # none) and submits the form, which hands it to the server as any form does.
        rx.form(
            rx.el.input(type="hidden", name="subscription", id="push-subscription"),
            on_submit=PreferencesState.save_push_subscription,
            id="push-subscribe-form",
            custom_attrs={"data-public-key": PreferencesState.push_public_key},
        ),
        rx.button(
            rx.icon("bell-plus", size=16),
            t("Get push notifications on this browser"),
            variant="soft",
            on_click=SUBSCRIBE_TO_PUSH,
            id="push-subscribe",
        ),
        spacing="2",
        width="100%",
    )


def notification_preferences() -> rx.Component:
    return section_card(
        t("Notifications and privacy"),
        form_error(PreferencesState.error, id="preferences-error"),
        form_notice(PreferencesState.notice, id="preferences-notice"),
        # Sale alerts only concern shop owners; product update emails have their own card above.
        rx.cond(
            SessionState.has_shop,
            rx.vstack(
                rx.vstack(rx.foreach(PreferencesState.notifications, preference_row), spacing="3", width="100%"),
                rx.cond(PreferencesState.push_available, push_devices(), rx.fragment()),
                sms_number_form(),
                rx.separator(size="4"),
                spacing="3",
                width="100%",
            ),
        ),
        rx.hstack(
            rx.vstack(
                rx.el.label(
                    t("Share my email with sellers I buy from"),
                    html_for="pref-share-email",
                    font_weight="500",
                    font_size="0.9rem",
                ),
                rx.text(
                    t("When off, sellers' sales and customer lists show a pseudonym instead of your email."),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                spacing="0",
                flex_grow="1",
            ),
            rx.switch(
                id="pref-share-email", checked=PreferencesState.share_email, on_change=PreferencesState.set_share_email
            ),
            align="center",
            width="100%",
        ),
        description=t(
            "Receipts, refunds and password emails are always sent: they are part of your purchases "
            "and your account's safety."
        ),
        id="notification-preferences",
    )


def _code_form(on_submit, *, id: str, button: str) -> rx.Component:
    return stacked_form(
        labelled_input(
            t("Code"),
            name="code",
            id=f"{id}-code",
            auto_complete="one-time-code",
            hint=t("6 digits, or a recovery code."),
        ),
        submit_row(submit_button(button, id=f"{id}-submit")),
        on_submit=on_submit,
        id=id,
        reset_on_submit=True,
    )


def two_factor() -> rx.Component:
    setup = rx.cond(
        Security.setup_qr != "",
        rx.vstack(
            rx.text(t("Scan this code with your authenticator app, then enter the 6-digit code it shows.")),
            rx.image(src=Security.setup_qr, alt=t("QR code for your authenticator app"), width="200px", id="totp-qr"),
            rx.text(t("Or type this key:"), " ", rx.code(Security.setup_secret, id="totp-secret"), size="2"),
            _code_form(Security.confirm_totp, id="totp-confirm", button="Turn on"),
            width="100%",
        ),
        rx.button(t("Set up an authenticator app"), on_click=Security.start_totp, id="totp-start", size="3"),
    )
    codes = rx.cond(
        Security.new_codes.length() > 0,
        rx.callout.root(
            rx.callout.text(
                t(
                    "Your recovery codes. Each works once, if you lose your authenticator. "
                    "Save them now: they are not shown again."
                )
            ),
            rx.el.ul(rx.foreach(Security.new_codes, lambda code: rx.el.li(rx.code(code))), id="recovery-codes"),
            rx.button(t("I have saved them"), on_click=Security.hide_codes, id="recovery-codes-saved", variant="soft"),
            color_scheme="amber",
            width="100%",
        ),
    )
    enabled = rx.vstack(
        rx.text(t("Authenticator app: on."), id="totp-on", weight="medium"),
        rx.text(t("Recovery codes left: {count}", count=Security.recovery_codes_left), id="recovery-left", size="2"),
        rx.flex(
            rx.button(
                t("New recovery codes"), on_click=Security.regenerate_codes, id="recovery-regenerate", variant="soft"
            ),
            rx.cond(
                Security.required,
                rx.fragment(),
                rx.button(
                    t("Turn off"), on_click=Security.disable_totp, id="totp-disable", variant="soft", color_scheme="red"
                ),
            ),
            gap="0.5rem",
            wrap="wrap",
        ),
        width="100%",
    )
    return section_card(
        t("Two-factor sign-in"),
        rx.cond(
            Security.admin_setup & ~Security.totp_on & (Security.passkeys.length() == 0),
            rx.callout.root(
                rx.callout.text(t("Administrators must use two-factor sign-in. Set it up to open the admin console.")),
                color_scheme="red",
                id="admin-second-factor-required",
            ),
        ),
        form_error(Security.error, id="security-error"),
        form_notice(Security.notice, id="security-notice"),
        rx.cond(
            Security.step_up_needed,
            rx.vstack(
                rx.text(
                    t("Confirm it is you with a code from your app, a recovery code or a passkey, then try again.")
                ),
                _code_form(Security.confirm_step_up, id="step-up", button="Confirm"),
                rx.cond(
                    Security.passkeys.length() > 0,
                    passkey_button(
                        t("Confirm with a passkey"),
                        id="step-up-passkey",
                        mode="authenticate",
                        options_url=f"{routes.SESSION_PASSKEY_OPTIONS}?purpose=step_up",
                        on_credential=Security.confirm_step_up_passkey,
                        on_failure=Security.passkey_failed,
                    ),
                ),
                width="100%",
            ),
        ),
        codes,
        rx.cond(Security.totp_on, enabled, setup),
        rx.heading(t("Passkeys"), as_="h3", size="3"),
        rx.el.ul(
            rx.foreach(
                Security.passkeys,
                lambda key: rx.el.li(
                    rx.flex(
                        rx.box(
                            rx.text(key["name"], weight="medium"),
                            rx.text(
                                t("Added {added} · last used {used}", added=key["added"], used=key["used"]), size="1"
                            ),
                        ),
                        rx.button(
                            t("Remove"),
                            on_click=Security.remove_passkey(key["id"]),
                            variant="soft",
                            color_scheme="red",
                            size="2",
                            class_name="passkey-remove",
                        ),
                        justify="between",
                        gap="0.5rem",
                        wrap="wrap",
                    ),
                ),
            ),
            id="passkey-list",
        ),
        passkey_button(
            t("Add a passkey"),
            id="passkey-add",
            mode="register",
            options_url=f"{routes.SESSION_PASSKEY_OPTIONS}?purpose=register",
            on_credential=Security.add_passkey,
            on_failure=Security.passkey_failed,
        ),
        description=t(
            "After your password, sign-in asks for a code from an authenticator app or a passkey; "
            "a passkey also signs you in on its own."
        ),
        id="account-two-factor",
    )


def security_activity() -> rx.Component:
    return section_card(
        t("Recent security activity"),
        rx.el.ul(
            rx.foreach(
                Security.events,
                lambda row: rx.el.li(
                    rx.text(row["what"], weight="medium"),
                    rx.text(
                        row["when"],
                        rx.cond(row["device"] != "", " · " + row["device"], ""),
                        rx.cond(row["place"] != "", " · " + row["place"], ""),
                        size="1",
                        color=theme.TEXT_MUTED,
                    ),
                ),
            ),
            id="security-activity",
        ),
        description=t(
            "Sign-ins, failed attempts and changes, newest first. A place is the country "
            "the address belongs to, and may be a network's country rather than yours."
        ),
        id="account-activity",
    )


def sessions() -> rx.Component:
    return section_card(
        t("Signed-in devices"),
        rx.el.ul(
            rx.foreach(
                Security.sessions,
                lambda row: rx.el.li(
                    rx.flex(
                        rx.box(
                            rx.text(
                                row["device"], rx.cond(row["this"] != "", t(" (this browser)"), ""), weight="medium"
                            ),
                            rx.text(
                                t("Signed in {date}", date=row["since"]),
                                rx.cond(row["place"] != "", " · " + row["place"], ""),
                                size="1",
                            ),
                        ),
                        rx.cond(
                            row["this"] == "",
                            rx.button(
                                t("Sign out this session"),
                                on_click=Security.end_session(row["id"]),
                                variant="soft",
                                size="2",
                                class_name="end-session",
                            ),
                        ),
                        justify="between",
                        gap="0.5rem",
                        wrap="wrap",
                    ),
                ),
            ),
            id="active-sessions",
        ),
        rx.box(
            rx.button(
                t("Sign out everywhere"),
                on_click=AccountState.logout_everywhere,
                id="logout-everywhere",
                variant="soft",
                color_scheme="red",
                size="3",
            ),
        ),
        description=t(
            "Sign out on every device and browser, this one included. "
            "Use this if you think someone else has used your account."
        ),
        id="account-sessions",
    )


def export_row(view) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(t("Asked {date}", date=view.requested_label), size="2"),
            rx.cond(
                view.download_path != "",
                rx.text(
                    t("{size} · until {date}", size=view.size_label, date=view.expires_label),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
                rx.text(
                    rx.match(
                        view.status, ("pending", t("Being prepared…")), ("failed", t("Could not be made")), t("Expired")
                    ),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
            ),
            spacing="0",
            flex_grow="1",
        ),
        rx.cond(
            view.download_path != "",
            rx.link(
                rx.button(rx.icon("download", size=14), t("Download ZIP"), variant="soft", size="2"),
                href=view.download_path,
                # The browser fetches it (an attachment), not the single-page app's router.
                reload_document=True,
                download=True,
                custom_attrs={"data-testid": "export-download"},
            ),
            rx.cond(view.status == "pending", rx.spinner(size="2")),
        ),
        align="center",
        width="100%",
        custom_attrs={"data-testid": "export-row"},
    )


def your_data() -> rx.Component:
    return section_card(
        t("Your data"),
        form_error(PrivacyState.error, id="export-error"),
        form_notice(PrivacyState.notice, id="export-notice"),
        rx.box(
            rx.button(
                t("Download my data"),
                on_click=PrivacyState.ask_for_export,
                loading=PrivacyState.export_pending,
                id="export-request",
                variant="soft",
                size="3",
            )
        ),
        rx.vstack(rx.foreach(PrivacyState.exports, export_row), spacing="3", width="100%", id="export-list"),
        description=t(
            "A ZIP of everything we hold about you: profile, orders and receipts, library, downloads, "
            "license keys, reviews, reports and notifications (and your shop, products and sales if you sell). "
            "The link works for seven days, for you only."
        ),
        id="account-data",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("Delete your account?")),
            rx.alert_dialog.description(
                t(
                    "This cannot be undone. You are signed out everywhere and your name, email, "
                    "phone number, preferences, cart and notifications are removed. Your orders stay in "
                    "the books without your details, your reviews stay as a former buyer's, and your "
                    "library goes with the account."
                ),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    form_error(PrivacyState.delete_error, id="delete-error"),
                    rx.cond(
                        AccountState.has_password,
                        labelled_input(
                            t("Your password"),
                            name="password",
                            id="delete-password",
                            type="password",
                            auto_complete="current-password",
                        ),
                        labelled_input(
                            t("Type DELETE to confirm"),
                            name="confirmation",
                            id="delete-confirmation",
                            auto_complete="off",
                        ),
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(
                            rx.button(t("Keep my account"), type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            t("Delete my account"),
                            type="submit",
                            color_scheme="red",
                            loading=PrivacyState.deleting,
                            id="delete-confirm",
                        ),
                        gap="0.75rem",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                    margin_top="1rem",
                ),
                on_submit=PrivacyState.delete_account,
                id="delete-form",
            ),
            max_width="30rem",
        ),
        open=PrivacyState.confirming_delete,
        on_open_change=PrivacyState.set_confirming_delete,
    )


def delete_account() -> rx.Component:
    return section_card(
        t("Delete account"),
        rx.box(
            rx.button(
                t("Delete my account…"),
                on_click=PrivacyState.set_confirming_delete(True),
                id="delete-account",
                variant="soft",
                color_scheme="red",
                size="3",
            )
        ),
        delete_dialog(),
        description=t("Shop owners: your shop closes and stops selling; your buyers keep what they bought."),
        id="account-delete",
    )


@library_page(
    routes.ACCOUNT,
    title=t("Your account"),
    description=t("Your profile, password and shop."),
    on_load=[
        AccountState.open_page,
        AccountEmailState.open_account_page,
        PreferencesState.load,
        PrivacyState.load,
        Security.load,
    ],
)
def account() -> rx.Component:
    return column(
        rx.heading(t("Your account"), as_="h1", size="7"),
        profile(),
        change_email(),
        password_section(),
        two_factor(),
        update_emails(),
        open_shop(),
        notification_preferences(),
        sessions(),
        security_activity(),
        your_data(),
        delete_account(),
        max_width="40rem",
    )


@shop_page(
    routes.EMAIL_CHANGE_CONFIRM,
    title=t("Confirm your new email address"),
    description=t("Confirm the new email address of your marketplace account."),
    on_load=AccountEmailState.open_confirm_page,
)
def confirm_email_change() -> rx.Component:
    return column(
        rx.heading(t("Confirm your new email address"), as_="h1", size="7"),
        rx.cond(
            AccountEmailState.confirmed_email != "",
            rx.vstack(
                rx.text(
                    t(
                        "Your account now uses {email}. Sign in with it from now on.",
                        email=AccountEmailState.confirmed_email,
                    ),
                    id="email-confirmed",
                ),
                rx.box(link_button(t("Go to your account"), routes.ACCOUNT, id="email-confirmed-account")),
            ),
            rx.vstack(
                form_error(AccountEmailState.confirm_error, id="email-confirm-error"),
                rx.text(t("Use this address for your account from now on?")),
                rx.button(
                    t("Confirm my new email"),
                    on_click=AccountEmailState.confirm,
                    loading=AccountEmailState.confirm_pending,
                    id="email-confirm",
                    size="3",
                ),
            ),
        ),
        max_width="40rem",
    )


@shop_page(
    routes.ACCOUNT_DELETED,
    title=t("Your account is deleted"),
    description=t("Your account and the personal data in it are deleted."),
)
def account_deleted() -> rx.Component:
    return column(
        rx.heading(t("Your account is deleted"), as_="h1", size="7", id="account-deleted"),
        rx.text(
            t(
                "You are signed out everywhere, and your name, email address and other details are gone. "
                "Orders stay in the books for the period tax law requires, without anything that names you."
            )
        ),
        rx.text(t("You are welcome back any time: signing up with the same email address makes a new account.")),
        rx.box(link_button(t("Back to the shop"), routes.HOME, id="account-deleted-home")),
        max_width="40rem",
    )
