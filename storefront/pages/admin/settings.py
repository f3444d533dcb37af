"""Admin: tax rates, the currencies buyers may pay in, and the banned-words list."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from components import theme
from components.admin import admin_header, cell_table
from components.forms import form_error, form_notice, inline_form, section_card, stacked_form
from components.i18n import bt
from state.admin import AdminSettingsState
from storefront.layout import admin_page

V = AdminSettingsState.view


def _entry(name: str, id: str, label: rx.Var, placeholder: rx.Var, width: str) -> rx.Component:
    return rx.input(name=name, id=id, placeholder=placeholder, width=width, aria_label=label)


def _row_button(label: rx.Var, on_click) -> rx.Component:
    return rx.button(label, size="1", variant="soft", color_scheme="gray", on_click=on_click)


def _list_section(
    title: rx.Var, table: rx.Component, *entries: rx.Component, on_submit, description: rx.Var, id: str
) -> rx.Component:
    """A settings list and the short form that adds to it (or changes an entry)."""
    return section_card(
        title,
        table,
        inline_form(*entries, on_submit=on_submit, key=AdminSettingsState.form_key.to_string()),
        description=description,
        id=id,
    )


def tax_section() -> rx.Component:
    rates = cell_table(
        [bo_N_("Country"), bo_N_("Rate"), ""],
        V.tax_rates,
        lambda rate: rx.table.row(
            rx.table.cell(rate.country_name, " (", rate.country, ")"),
            rx.table.cell((rate.rate_bps / 100).to_string() + " %"),
            rx.table.cell(_row_button(bt("Remove"), AdminSettingsState.remove_tax_rate(rate.country))),
        ),
        id="tax-rates",
    )
    return _list_section(
        bt("Tax rates"),
        rates,
        _entry("country", "tax-country", bt("Country code"), bt("Country code, e.g. {example}", example="DE"), "12rem"),
        _entry("percent", "tax-percent", bt("Rate in percent"), bt("Rate in %, e.g. {example}", example=19), "10rem"),
        rx.button(bt("Save rate"), type="submit", id="tax-submit"),
        on_submit=AdminSettingsState.set_tax_rate,
        description=bt(
            "VAT by the buyer's billing country; countries without a rate pay no tax. "
            "An empty rate removes the country."
        ),
        id="settings-tax",
    )


def currency_section() -> rx.Component:
    currencies = cell_table(
        [bo_N_("Currency"), bo_N_("Per euro"), bo_N_("Source"), ""],
        V.currencies,
        lambda c: rx.table.row(
            rx.table.cell(c.code),
            rx.table.cell(c.per_eur),
            rx.table.cell(c.source),
            rx.table.cell(
                rx.cond(
                    c.locked,
                    rx.text(bt("in use"), size="1", color=theme.TEXT_MUTED),
                    _row_button(bt("Turn off"), AdminSettingsState.disable_currency(c.code)),
                )
            ),
        ),
        id="currencies",
    )
    return _list_section(
        bt("Currencies"),
        currencies,
        _entry("code", "currency-code", bt("Currency code"), bt("Code, e.g. {example}", example="NOK"), "10rem"),
        _entry(
            "per_eur",
            "currency-rate",
            bt("Units per euro"),
            bt("Units per euro, e.g. {example}", example="11.7"),
            "14rem",
        ),
        rx.button(bt("Offer currency"), type="submit", id="currency-submit"),
        on_submit=AdminSettingsState.enable_currency,
        description=bt(
            "Buyers may pay in the currencies listed here. Currencies shops price in cannot be turned off; entering "
            "a listed code updates its rate."
        ),
        id="settings-currencies",
    )


def banned_words_section() -> rx.Component:
    return section_card(
        bt("Banned words"),
        stacked_form(
            rx.text_area(
                name="words",
                id="banned-words",
                rows="6",
                width="100%",
                default_value=V.banned_words.join("\n"),
                aria_label=bt("Banned words, one per line"),
            ),
            rx.button(bt("Save words"), type="submit", id="banned-words-submit"),
            spacing="2",
            on_submit=AdminSettingsState.save_banned_words,
            key=AdminSettingsState.form_key.to_string(),
        ),
        description=bt(
            "One word or phrase per line. Products waiting for approval and reported reviews that contain one are "
            "flagged at the top of the queue (whole words, any case)."
        ),
        id="settings-banned-words",
    )


@admin_page(
    routes.ADMIN_SETTINGS,
    title=bo_N_("Settings"),
    description=bo_N_("Tax rates, currencies and banned words."),
    on_load=AdminSettingsState.load,
)
def admin_settings() -> rx.Component:
    return rx.vstack(
        admin_header(
            bt("Settings"), routes.ADMIN_SETTINGS, bt("Take rates are set per shop on the Shop quality page.")
        ),
        form_notice(AdminSettingsState.notice, id="settings-notice"),
        form_error(AdminSettingsState.error, id="settings-error"),
        rx.cond(
            V, rx.vstack(tax_section(), currency_section(), banned_words_section(), spacing=theme.GAP, width="100%")
        ),
        spacing=theme.GAP,
        width="100%",
    )
