"""/seller/webhooks: the seller's webhook endpoints, their signing secrets and every delivery."""

from __future__ import annotations

import reflex as rx

import routes
from commerce.i18n import bo_N_
from commerce.webhooks_out.service import AttemptView, EndpointView, EventTypeView, MessageView
from components import theme
from components.empty_state import empty_state
from components.forms import (
    form_error,
    form_notice,
    labelled_input,
    section_card,
    stacked_form,
    submit_button,
    submit_row,
)
from components.i18n import bt
from components.seller_nav import seller_nav
from components.step_up import step_up_prompt
from state.seller_webhooks import EVENT_FIELD_PREFIX
from state.seller_webhooks import SellerWebhooksState as S
from storefront.layout import seller_page


def _event_choice(event: EventTypeView) -> rx.Component:
    box_id = "event-" + event.name.replace(".", "-")
    return rx.el.label(
        rx.hstack(
            rx.el.input(type="checkbox", name=EVENT_FIELD_PREFIX + event.name, id=box_id, value="on"),
            rx.vstack(
                rx.code(event.name, size="2"),
                rx.text(event.description, size="1", color=theme.TEXT_MUTED),
                spacing="0",
            ),
            align="start",
            spacing="2",
        ),
        html_for=box_id,
        width="100%",
    )


def endpoint_form() -> rx.Component:
    return section_card(
        bt("New endpoint"),
        stacked_form(
            labelled_input(
                bt("URL"),
                name="url",
                id="webhook-url",
                type="url",
                placeholder="https://example.com/webhooks/marketplace",
                hint=bt("We send each event as an HTTPS POST, signed as Standard Webhooks describes."),
            ),
            labelled_input(bt("Description"), name="description", id="webhook-description", required=False),
            rx.el.fieldset(
                rx.el.legend(rx.text(bt("Events to send"), weight="medium", size="2")),
                rx.grid(
                    rx.foreach(S.event_types, _event_choice),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="2",
                    width="100%",
                ),
                id="webhook-events",
                style={"border": "none", "padding": "0", "margin": "0"},
                width="100%",
            ),
            submit_row(submit_button(bt("Add endpoint"), id="webhook-submit", loading=S.pending)),
            on_submit=S.create,
            reset_on_submit=True,
            id="webhook-form",
        ),
        description=bt(
            "Your server receives an event moments after it happens, retried for about three days "
            "if it does not answer."
        ),
        id="new-webhook",
    )


def secret_box(endpoint_id: rx.Var) -> rx.Component:
    return rx.cond(
        S.secret_for == endpoint_id,
        rx.callout.root(
            rx.vstack(
                rx.text(bt("Signing secret"), weight="bold", size="2"),
                rx.code(S.signing_secret, id="webhook-secret", style={"overflow_wrap": "anywhere"}),
                rx.cond(S.secret_note != "", rx.text(S.secret_note, size="1")),
                rx.button(bt("Hide"), size="1", variant="soft", on_click=S.hide_secret),
                spacing="2",
                align="start",
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def delete_endpoint_button(endpoint: EndpointView) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(bt("Delete"), size="2", variant="soft", color_scheme="red", data_testid="webhook-delete")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(bt("Delete this endpoint?")),
            rx.alert_dialog.description(
                bt(
                    "Nothing more is sent to {url}, deliveries waiting for a retry are dropped, and its "
                    "delivery history is deleted. To pause it instead, turn it off.",
                    url=endpoint.url,
                ),
                style={"overflow_wrap": "anywhere"},
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(bt("Keep it"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        bt("Delete endpoint"),
                        color_scheme="red",
                        on_click=S.delete(endpoint.id),
                        data_testid="webhook-delete-confirm",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
        ),
    )


def endpoint_card(endpoint: EndpointView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(endpoint.url, weight="bold", style={"overflow_wrap": "anywhere"}),
                rx.cond(
                    endpoint.enabled,
                    rx.badge(bt("On"), color_scheme="green"),
                    rx.badge(bt("Off"), color_scheme="gray"),
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.cond(endpoint.description != "", rx.text(endpoint.description, size="2")),
            rx.flex(
                rx.foreach(endpoint.event_types, lambda name: rx.badge(name, variant="soft")),
                gap="0.25rem",
                wrap="wrap",
            ),
            rx.cond(endpoint.disabled_reason != "", rx.text(endpoint.disabled_reason, size="1", color="red")),
            rx.cond(
                endpoint.failing_since_label != "",
                rx.text(
                    bt("Failing since {moment}", moment=endpoint.failing_since_label), size="1", color=theme.TEXT_MUTED
                ),
            ),
            rx.cond(
                endpoint.previous_secret_until_label != "",
                rx.text(
                    bt("Previous secret also signs until {moment}", moment=endpoint.previous_secret_until_label),
                    size="1",
                    color=theme.TEXT_MUTED,
                ),
            ),
            rx.flex(
                rx.button(bt("Deliveries"), size="2", variant="soft", on_click=S.show_deliveries(endpoint.id)),
                rx.button(bt("Show secret"), size="2", variant="soft", on_click=S.reveal(endpoint.id)),
                rx.button(bt("Rotate secret"), size="2", variant="soft", on_click=S.rotate(endpoint.id)),
                rx.cond(
                    endpoint.enabled,
                    rx.button(
                        bt("Turn off"),
                        size="2",
                        variant="soft",
                        color_scheme="red",
                        on_click=S.set_enabled(endpoint.id, False),
                    ),
                    rx.button(bt("Turn on"), size="2", variant="soft", on_click=S.set_enabled(endpoint.id, True)),
                ),
                delete_endpoint_button(endpoint),
                gap="0.5rem",
                wrap="wrap",
            ),
            secret_box(endpoint.id),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "webhook-endpoint"},
    )


def attempt_row(attempt: AttemptView) -> rx.Component:
    return rx.vstack(
        rx.text(
            bt("Attempt {number}", number=attempt.number),
            " · ",
            attempt.status_label,
            rx.cond(attempt.latency_ms, " · " + attempt.latency_ms.to_string() + " ms", ""),
            " · ",
            attempt.started_label,
            size="2",
            weight="medium",
        ),
        rx.cond(attempt.error != "", rx.text(attempt.error, size="1", color="red")),
        rx.cond(
            attempt.response_excerpt != "",
            rx.code(attempt.response_excerpt, size="1", style={"white_space": "pre-wrap", "overflow_wrap": "anywhere"}),
        ),
        spacing="1",
        width="100%",
        custom_attrs={"data-testid": "webhook-attempt"},
    )


def delivery_row(message: MessageView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.code(message.event_type),
                rx.badge(
                    message.status,
                    color_scheme=rx.match(message.status, ("delivered", "green"), ("failed", "red"), "amber"),
                ),
                rx.text(message.created_label, size="1", color=theme.TEXT_MUTED),
                rx.spacer(),
                rx.button(bt("Resend"), size="1", variant="soft", on_click=S.resend(message.id)),
                spacing="2",
                wrap="wrap",
                align="center",
                width="100%",
            ),
            rx.text(bt("Webhook id"), " ", rx.code(message.id), size="1", color=theme.TEXT_MUTED),
            rx.cond(
                message.next_attempt_label != "",
                rx.text(
                    bt("Next attempt {moment}", moment=message.next_attempt_label), size="1", color=theme.TEXT_MUTED
                ),
            ),
            rx.foreach(message.attempts, attempt_row),
            rx.el.details(
                rx.el.summary(bt("Payload")),
                rx.code_block(message.payload, language="json", wrap_long_lines=True),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "webhook-delivery"},
    )


def deliveries_section() -> rx.Component:
    return rx.cond(
        S.selected != 0,
        rx.vstack(
            rx.hstack(
                rx.heading(bt("Deliveries"), as_="h2", size="5"),
                rx.spacer(),
                rx.button(bt("Refresh"), size="2", variant="soft", on_click=S.refresh_deliveries, id="webhook-refresh"),
                width="100%",
                align="center",
            ),
            rx.cond(
                S.deliveries.length() > 0,
                rx.vstack(rx.foreach(S.deliveries, delivery_row), spacing="3", width="100%", id="webhook-deliveries"),
                rx.text(bt("Nothing sent to this endpoint yet."), color=theme.TEXT_MUTED, id="webhook-no-deliveries"),
            ),
            rx.hstack(
                rx.cond(
                    S.deliveries_page.has_previous,
                    rx.button(
                        bt("Newer"),
                        size="1",
                        variant="soft",
                        on_click=S.deliveries_page_to(S.deliveries_page.page - 1),
                    ),
                ),
                rx.cond(
                    S.deliveries_page.has_next,
                    rx.button(
                        bt("Older"),
                        size="1",
                        variant="soft",
                        on_click=S.deliveries_page_to(S.deliveries_page.page + 1),
                    ),
                ),
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
    )


@seller_page(
    routes.SELLER_WEBHOOKS,
    title=bo_N_("Webhooks"),
    description=bo_N_("Send your shop's events to your own server."),
    on_load=S.load,
)
def seller_webhooks() -> rx.Component:
    return rx.vstack(
        rx.heading(bt("Webhooks"), as_="h1", size="7"),
        seller_nav(routes.SELLER_WEBHOOKS),
        form_error(S.error, id="webhook-error"),
        step_up_prompt(S.step_up_needed, S.confirm_step_up),
        form_notice(S.notice, id="webhook-notice"),
        rx.cond(
            S.endpoints.length() > 0,
            rx.vstack(rx.foreach(S.endpoints, endpoint_card), spacing="3", width="100%", id="webhook-endpoints"),
            rx.cond(
                S.loaded,
                empty_state(
                    "webhook",
                    bt("No endpoints yet"),
                    bt("Add one below to receive your orders, refunds, license activations and more as they happen."),
                    id="webhook-empty",
                ),
            ),
        ),
        deliveries_section(),
        endpoint_form(),
        spacing=theme.GAP,
        width="100%",
    )
