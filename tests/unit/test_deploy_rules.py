"""deploy/: the Prometheus alert rules and the Grafana dashboard only use metrics the app exports.

Every expression is parsed as PromQL (promql-parser, a port of Prometheus' own parser),
and each metric it selects must appear in a scrape of the app's real /metrics. Where
Debian's `promtool` is installed, it checks the rule file as Prometheus would load it.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from commerce.config import PROJECT_ROOT
from storefront.api import api

ALERTS = PROJECT_ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "dashboard.json"
# The sample names each metric type adds to its family's name (counters: _total; histograms:
# _bucket/_sum/_count). _created is left out: multiprocess mode does not export it.
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def rule_expressions() -> dict[str, str]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def dashboard_expressions() -> dict[str, str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return {f"{panel['title']} ({target['refId']})": target["expr"] for panel in panels for target in panel["targets"]}


def selected_metrics(node) -> set[str]:
    """The metric names an expression's selectors name, walking the parsed tree."""
    if isinstance(node, promql_parser.VectorSelector):
        return {node.name}
    found: set[str] = set()
    for attribute in ("lhs", "rhs", "expr", "param", "vector_selector", "args"):
        child = getattr(node, attribute, None)
        for item in child if isinstance(child, list) else [child]:
            if item is not None and not isinstance(item, str | int | float):
                found |= selected_metrics(item)
    return found


@pytest.fixture
def exported(scrape) -> set[str]:
    """Every sample name the running app's /metrics can show, after a request went through it."""
    TestClient(api).get("/healthz")
    names = set()
    for family in text_string_to_metric_families(scrape.text()):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def test_there_are_rules_for_errors_latency_queues_webhooks_and_payouts():
    used = set().union(*(selected_metrics(promql_parser.parse(e)) for e in rule_expressions().values()))
    assert {
        "marketplace_http_requests_total",
        "marketplace_http_request_duration_seconds_bucket",
        "marketplace_job_queue_depth",
        "marketplace_webhooks_sent_total",
        "marketplace_webhooks_received_total",
        "marketplace_payouts_failed_total",
    } <= used


@pytest.mark.parametrize("source", ["alerts", "dashboard"])
def test_every_expression_parses_and_names_only_exported_metrics(source, exported):
    expressions = rule_expressions() if source == "alerts" else dashboard_expressions()
    assert expressions
    for name, expression in expressions.items():
        metrics = selected_metrics(promql_parser.parse(expression))  # raises on a syntax error
        assert metrics, name
        assert metrics <= exported, f"{name}: {sorted(metrics - exported)} not exported by /metrics"


def test_the_dashboard_covers_every_exported_family(exported):
    used = set().union(*(selected_metrics(promql_parser.parse(e)) for e in dashboard_expressions().values()))
    families = {name for name in exported if name.startswith("marketplace_")}
    bases = {
        name.removesuffix(suffix) for name in used for suffix in ("_bucket", "_total", "") if name.endswith(suffix)
    }
    unshown = {name for name in families if not any(name.startswith(base) for base in bases)}
    assert unshown == set()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus package) is not installed")
def test_promtool_accepts_the_rules():
    result = subprocess.run(["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
