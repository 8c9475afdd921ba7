"""Integrations (integrations.yaml): what `check` asks about them, what the project gets for
them, and a rule calling one against a stand-in for the other service on a local port."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gen_backend.accept import Accepted, accept
from gen_backend.cli import app
from gen_backend.model.integrations import FIXED_SETTINGS
from gen_backend.plan import plan_project
from gen_backend.render import render_project
from gen_backend.validate.rfis import Code, Severity

from .conftest import SAMPLES, check_json
from .test_generated_projects import _generate, _run


def _handoff(tmp_path: Path, integrations: list[dict[str, object]]) -> Path:
    root = tmp_path / "handoff"
    shutil.copytree(SAMPLES / "library", root)
    (root / "integrations.yaml").write_text(yaml.safe_dump({"integrations": integrations}))
    return root


def _accepted(root: Path) -> Accepted:
    result = accept(root)
    assert isinstance(result, Accepted)
    return result


def _integration_rfis(result: Accepted) -> list[tuple[Code, Severity, str]]:
    return [
        (r.code, r.severity, r.location) for r in result.rfis if r.code.startswith("INTEGRATION_")
    ]


def test_an_integration_without_base_url_or_credential_is_asked_about(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = _handoff(tmp_path, [{"name": "Mail-Gateway", "kind": "http"}])
    code, report = check_json(runner, root)
    assert code == 0
    rfis = report["rfis"]
    assert isinstance(rfis, list)
    assert {r["code"] for r in rfis if r["code"].startswith("INTEGRATION_")} == {
        "INTEGRATION_NO_BASE_URL",
        "INTEGRATION_NO_CREDENTIAL",
    }
    result = _accepted(root)
    assert _integration_rfis(result) == [
        (Code.INTEGRATION_NO_BASE_URL, Severity.WARNING, "/integrations/0"),
        (Code.INTEGRATION_NO_CREDENTIAL, Severity.WARNING, "/integrations/0"),
    ]
    [base_url] = [r for r in result.rfis if r.code is Code.INTEGRATION_NO_BASE_URL]
    assert "`MAIL_GATEWAY_BASE_URL`" in base_url.question  # what was decided
    [names] = plan_project(result.model, result.rfis).integrations
    assert (names.module, names.base_url_env) == ("mail_gateway", "MAIL_GATEWAY_BASE_URL")


def test_an_integration_the_project_cannot_call_is_left_out_and_said_why(tmp_path: Path) -> None:
    integrations: list[dict[str, object]] = [
        {"name": "payments", "base_url_env": "PAYMENTS_URL", "credential_env": "PAYMENTS_KEY"},
        {"name": "Payments", "base_url_env": "OTHER_URL"},  # the same module
        {"name": "db_pool", "base_url_env": "POOL_URL"},  # DB_POOL_TIMEOUT_S is a setting
        {"name": "ledger", "base_url_env": "JWT_SECRET"},  # the service's own secret
        {"name": "events", "kind": "amqp"},
        {"name": "search", "base_url_env": "search-url"},
        {
            "name": "stock",
            "base_url_env": "STOCK_URL",
            "api_key_env": "STOCK_KEY",  # another spelling of credential_env
            "operations": [
                {"name": "call", "method": "GET", "path": "/items/{item-id}"},
                {"name": "bad", "method": "GET", "path": '/items/{id}"'},
                {"name": "call", "method": "POST", "path": "items"},  # from the root
                {"name": "isClosed", "method": "GET", "path": "/closed"},
            ],
        },
        {"name": "oauth2", "base_url_env": "OAUTH2_URL"},
        {"name": "oauth-2", "base_url_env": "OAUTH_2_URL"},  # Oauth2Client again
        {"name": "settings", "base_url_env": "SETTINGS_URL"},  # the tests' SETTINGS
        {"name": "integration", "base_url_env": "I_URL"},  # IntegrationClient, the base
        {"name": "mailer", "base_url_env": "MAILER_URL", "credential_header": "X Api Key"},
        {"name": "type", "base_url_env": "TYPE_URL"},  # a builtin the files use
    ]
    result = _accepted(_handoff(tmp_path, integrations))
    assert _integration_rfis(result) == [
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/1/name"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/2/name"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/3/name"),
        (Code.INTEGRATION_VARIABLE_INVALID, Severity.ERROR, "/integrations/5"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/8/name"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/9/name"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/10/name"),
        (Code.INTEGRATION_HEADER_INVALID, Severity.ERROR, "/integrations/11/credential_header"),
        (Code.INTEGRATION_NAME_TAKEN, Severity.ERROR, "/integrations/12/name"),
        (Code.INTEGRATION_PATH_INVALID, Severity.ERROR, "/integrations/6/operations/1/path"),
        (Code.INTEGRATION_KIND_UNSUPPORTED, Severity.WARNING, "/integrations/4/kind"),
        (Code.INTEGRATION_NO_CREDENTIAL, Severity.WARNING, "/integrations/7"),
        (Code.INTEGRATION_OPERATION_RENAMED, Severity.INFO, "/integrations/6/operations/0"),
        (Code.INTEGRATION_OPERATION_RENAMED, Severity.INFO, "/integrations/6/operations/2"),
        (Code.INTEGRATION_OPERATION_RENAMED, Severity.INFO, "/integrations/6/operations/3"),
    ]
    plan = plan_project(result.model, result.rfis)
    assert [n.module for n in plan.integrations] == ["payments", "stock", "oauth2"]
    stock = plan.integrations[1]
    assert stock.integration.credential_env == "STOCK_KEY"
    assert [(op.method, op.path, op.path_values) for op in stock.operations] == [
        ("call_operation", "/items/{item-id}", (("item_id", "item-id"),)),
        ("call_operation_operation", "/items", ()),
        ("is_closed_operation", "/closed", ()),
    ]


def test_a_timeout_that_is_no_number_is_bad_input(runner: CliRunner, tmp_path: Path) -> None:
    root = _handoff(tmp_path, [{"name": "slow", "base_url_env": "SLOW_URL", "timeout_s": ".inf"}])
    (root / "integrations.yaml").write_text(
        (root / "integrations.yaml").read_text().replace("'.inf'", ".inf")
    )
    result = runner.invoke(app, ["check", str(root)])
    assert result.exit_code == 2, result.output
    assert "timeout_s" in result.output
    assert "finite number" in " ".join(result.output.split())


def test_the_settings_integrations_must_not_take_are_the_templates(tmp_path: Path) -> None:
    """FIXED_SETTINGS lists every field of app/core/config.py's Settings but the
    integrations': a project with every optional setting (API keys, a key set)."""
    fields: set[str] = set()
    for sample in ("orders", "tenants", "library"):
        result = _accepted(SAMPLES / sample)
        plan = plan_project(result.model, result.rfis)
        config = render_project(plan)["app/core/config.py"].text
        settings = next(
            node
            for node in ast.parse(config).body
            if isinstance(node, ast.ClassDef) and node.name == "Settings"
        )
        fields |= {
            node.target.id
            for node in settings.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        fields -= {f for n in plan.integrations for f in n.fields}
    assert fields == FIXED_SETTINGS


RULES = '''
    """Business rules of the `payments` domain: a payment is a charge at the payment
    provider, captured there too."""

    import uuid

    from app.core.integration import IntegrationError
    from app.core.principal import Principal
    from app.core.problem import ProblemError
    from app.integrations.payment_provider import payment_provider
    from app.payments.models import Payment as PaymentRow
    from app.payments.schemas import Payment, PaymentCreate
    from app.payments.service import PaymentsServiceBase


    class PaymentsService(PaymentsServiceBase):
        async def create_payment(
            self,
            *,
            principal: Principal | None,
            order_id: uuid.UUID,
            idempotency_key: str,
            body: PaymentCreate,
        ) -> Payment:
            try:
                charge = await payment_provider().create_charge(
                    json={**body.model_dump(mode="json"), "order": str(order_id)},
                    idempotency_key=idempotency_key,
                )
            except IntegrationError as error:
                if error.upstream_status == 402:
                    raise ProblemError(422, "The payment was declined") from error
                raise
            if not isinstance(charge, dict) or not isinstance(charge.get("id"), str):
                raise IntegrationError("payment_provider")
            payment = await super().create_payment(
                principal=principal, order_id=order_id, idempotency_key=idempotency_key, body=body
            )
            row = await self.rows.get(PaymentRow.id == payment.id)
            values = {"provider_reference": charge["id"], "status": "authorized"}
            return Payment.from_row(await self.rows.update(row, values))

        async def capture_payment(
            self, *, principal: Principal | None, payment_id: uuid.UUID, idempotency_key: str
        ) -> Payment:
            row = await self.rows.get(PaymentRow.id == payment_id)
            if row.provider_reference is None:
                raise ProblemError(409, "The payment was never charged")
            await payment_provider().capture_charge(
                row.provider_reference, idempotency_key=idempotency_key
            )
            return Payment.from_row(await self.rows.update(row, {"status": "captured"}))
'''

STUB_TEST = '''
    """The payments rules against a stand-in for the payment provider on a local port."""

    import json
    import threading
    import time
    import uuid
    from collections.abc import AsyncIterator, Iterator
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx
    import pytest
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.core.config import get_settings
    from app.integrations.payment_provider import payment_provider
    from tests.conftest import token
    from tests.factories import make_order


    class Provider(BaseHTTPRequestHandler):
        """Answers each request with the next of `answers` (status, seconds to wait), then 201;
        keeps what it was sent."""

        answers: list[tuple[int, float]] = []
        received: list[tuple[str, str, dict[str, str], bytes]] = []

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            self.received.append((self.command, self.path, dict(self.headers), body))
            status, wait = self.answers.pop(0) if self.answers else (201, 0.0)
            time.sleep(wait)
            charge = {"id": f"ch_{uuid.uuid4().hex}"}
            answer = json.dumps(charge if status < 300 else {"code": "declined"})
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())
            except ConnectionError:
                pass  # the caller stopped waiting

        def log_message(self, format: str, *args: object) -> None:
            pass


    @pytest.fixture
    def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Provider]]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        Provider.answers, Provider.received = [], []
        monkeypatch.setenv("PAYMENT_PROVIDER_BASE_URL", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setenv("PAYMENT_PROVIDER_API_KEY", "test-key")
        monkeypatch.setenv("PAYMENT_PROVIDER_TIMEOUT_S", "0.5")
        get_settings.cache_clear()
        payment_provider.cache_clear()
        yield Provider
        server.shutdown()
        server.server_close()
        get_settings.cache_clear()


    @pytest.fixture
    async def closing() -> AsyncIterator[None]:
        yield
        await payment_provider().aclose()
        payment_provider.cache_clear()


    async def _pay(client: httpx.AsyncClient, session: AsyncSession) -> tuple[httpx.Response, str]:
        """A new order's payment, and who placed the order."""
        order = await make_order(session)
        await session.commit()
        response = await client.post(
            f"/orders/{order.id}/payments",
            json={"amount": "12.50", "currency": "EUR", "method": "card"},
            headers={
                "Idempotency-Key": "pay-1-" + str(uuid.uuid4()),
                **token("payments:write", subject=str(order.placed_by)),
            },
        )
        return response, str(order.placed_by)


    async def test_a_payment_is_charged_with_the_credential_and_the_key(
        client: httpx.AsyncClient, session: AsyncSession, provider: type[Provider], closing: None
    ) -> None:
        response, owner = await _pay(client, session)
        assert response.status_code == 201, response.text
        reference = response.json()["providerReference"]
        assert reference.startswith("ch_")
        assert response.json()["status"] == "authorized"
        [(method, path, headers, body)] = provider.received
        assert (method, path) == ("POST", "/v1/charges")
        assert headers["Authorization"] == "Bearer test-key"
        assert headers["Idempotency-Key"].startswith("pay-1-")
        assert json.loads(body)["amount"] == "12.50"

        captured = await client.post(
            f"/payments/{response.json()['id']}/capture",
            headers={
                "Idempotency-Key": str(uuid.uuid4()),
                **token("payments:capture", subject=owner),
            },
        )
        assert provider.received[-1][1] == f"/v1/charges/{reference}/capture"
        assert captured.status_code == 200, captured.text
        assert captured.json()["status"] == "captured"


    async def test_a_charge_the_provider_asks_to_retry_is_sent_again_with_its_key(
        client: httpx.AsyncClient, session: AsyncSession, provider: type[Provider], closing: None
    ) -> None:
        provider.answers = [(503, 0.0)]
        response, _ = await _pay(client, session)
        assert response.status_code == 201, response.text
        keys = [headers["Idempotency-Key"] for _, _, headers, _ in provider.received]
        assert len(keys) == 2 and keys[0] == keys[1]


    @pytest.mark.parametrize(
        ("answers", "status"),
        [
            ([(402, 0.0)], 422),  # the rule's answer to a refusal
            ([(500, 0.0)], 502),
            ([(201, 2.0)] * 3, 504),  # slower than PAYMENT_PROVIDER_TIMEOUT_S, every time
        ],
        ids=["declined", "provider-fails", "provider-too-slow"],
    )
    async def test_a_failure_at_the_provider_is_a_problem_and_no_payment(
        client: httpx.AsyncClient,
        session: AsyncSession,
        provider: type[Provider],
        closing: None,
        answers: list[tuple[int, float]],
        status: int,
    ) -> None:
        provider.answers = list(answers)
        response, _ = await _pay(client, session)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "detail" not in response.json() or status < 500
'''


def test_a_rule_calls_an_integration_against_a_stub_server(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The orders sample's payment_provider, called from the payments rules: the charge,
    its retry with the same Idempotency-Key, the capture, and each failure as a problem."""
    out = tmp_path / "orders"
    generated = runner.invoke(
        app, ["from-handoff", str(SAMPLES / "orders"), "-o", str(out), "--no-inspect"]
    )
    assert generated.exit_code == 0, generated.output
    (out / "app/payments/rules.py").write_text(textwrap.dedent(RULES).lstrip(), encoding="utf-8")
    (out / "tests/test_payment_provider.py").write_text(
        textwrap.dedent(STUB_TEST).lstrip(), encoding="utf-8"
    )
    _run(["ruff", "check", "--no-cache", "app/payments/rules.py"], out)
    _run(["mypy", "app/payments/rules.py", "tests/test_payment_provider.py"], out)
    _run(["pytest", "-q", "-p", "no:cacheprovider", "tests/test_payment_provider.py"], out)


def test_a_project_without_integrations_has_no_trace_of_them() -> None:
    result = _accepted(SAMPLES / "library")
    files = render_project(plan_project(result.model, result.rfis))
    assert not [p for p in files if "integration" in p]
    assert "integrations" not in files["app/main.py"].text


def test_every_form_of_integration_gives_a_project_that_passes_its_checks(
    tmp_path: Path,
) -> None:
    """A credential in a header of its own, an operation whose path slot is no Python name,
    a service with no operations, one without a credential, beside each other."""
    integrations: list[dict[str, object]] = [
        {
            "name": "stock-levels",
            "base_url_env": "STOCK_URL",
            "credential_env": "STOCK_KEY",
            "credential_header": "X-Api-Key",
            "timeout_s": 2.5,
            "retries": 1,
            "operations": [
                {"name": "getLevel", "method": "get", "path": "/levels/{item-id}/{class}"},
                {"name": "setLevel", "method": "PUT", "path": "/levels/{item-id}"},
                {"name": "adjust", "method": "PATCH", "path": "/levels/{item-id}"},
            ],
        },
        {"name": "audit", "base_url_env": "AUDIT_URL", "credential_env": "AUDIT_TOKEN"},
        {
            "name": "registry",
            "base_url_env": "REGISTRY_URL",
            "operations": [{"name": "ping", "method": "HEAD", "path": "ping"}],  # from the root
        },
    ]
    out = _generate(_handoff(tmp_path, integrations), tmp_path / "library")
    client = (out / "app/integrations/stock_levels.py").read_text()
    assert "item_id: PathValue, class_: PathValue" in client
    assert 'credential_header="X-Api-Key"' in client
    _run(["ruff", "check", "--no-cache", "."], out)
    _run(["ruff", "format", "--check", "--no-cache", "."], out)
    _run(["mypy"], out)
    _run(
        [
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_integrations.py",
            "tests/test_config.py",
        ],
        out,
    )
