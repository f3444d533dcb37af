"""The running app (`make run`) as an operator sees it: a page visit moves /metrics (Reflex
events, the open socket, HTTP requests), and every metric deploy/ alerts and charts on is
in the real scrape."""

from __future__ import annotations

import httpx
import promql_parser
from playwright.sync_api import expect
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import E2E_METRICS_TOKEN
from tests.unit.test_deploy_rules import SUFFIXES, dashboard_expressions, rule_expressions, selected_metrics


def scrape(app) -> list:
    response = httpx.get(app.url("/metrics"), headers={"authorization": f"Bearer {E2E_METRICS_TOKEN}"})
    assert response.status_code == 200
    return list(text_string_to_metric_families(response.text))


def total(families, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_a_page_visit_shows_in_the_metrics_and_the_rules_match_them(page, app):
    assert httpx.get(app.url("/metrics")).status_code == 401
    page.goto("/")
    expect(page.locator("[data-testid=product-card]").first).to_be_visible()

    families = scrape(app)
    # The page's hydrate and load events ran through Reflex's event processor.
    assert total(families, "marketplace_reflex_events_total", outcome="ok") > 0
    assert total(families, "marketplace_reflex_connected_sockets") >= 1
    assert total(families, "marketplace_http_requests_total", route="/healthz") > 0

    exported = {family.name + suffix for family in families for suffix in SUFFIXES.get(family.type, ("",))}
    for expression in [*rule_expressions().values(), *dashboard_expressions().values()]:
        assert selected_metrics(promql_parser.parse(expression)) <= exported, expression
