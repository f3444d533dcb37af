"""GET /healthz: 200 when the database answers, 503 (without details) when not."""

from starlette.testclient import TestClient

from storefront import api as api_module


def test_healthz_reports_ok_when_the_database_answers(monkeypatch):
    monkeypatch.setattr(api_module, "check_database", lambda: None)
    response = TestClient(api_module.api).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_503_when_the_database_is_down(monkeypatch):
    def broken():
        raise ConnectionRefusedError("connection to db.internal:5432 as admin refused")

    monkeypatch.setattr(api_module, "check_database", broken)
    response = TestClient(api_module.api).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ConnectionRefusedError"}
    assert "db.internal" not in response.text
