"""app/core/integration.py, the client every integration's module subclasses: what it sends,
when it tries again, and how a failure of the other service becomes a problem of ours."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from pydantic import HttpUrl, JsonValue, SecretStr

from app.core.integration import IntegrationClient, IntegrationError, IntegrationSettings
from app.core.problem import ProblemError

Answer = Callable[[httpx.Request], httpx.Response]


def _settings(**changes: object) -> IntegrationSettings:
    values: dict[str, object] = {
        "name": "payments",
        "base_url": HttpUrl("https://payments.example/api"),
        "credential": SecretStr("s3cret"),
        "retries": 2,
        "backoff_s": 0,
    }
    return IntegrationSettings.model_validate(values | changes)


def _call(
    answer: Answer,
    method: str = "GET",
    path: str = "/charges",
    *,
    settings: IntegrationSettings | None = None,
    **arguments: object,
) -> tuple[JsonValue | IntegrationError, list[httpx.Request]]:
    """What `call` answers (or raises), and the requests the other service got."""
    seen: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request)

    async def run() -> JsonValue | IntegrationError:
        client = IntegrationClient(
            settings or _settings(), transport=httpx.MockTransport(recording)
        )
        try:
            return await client.call(method, path, **arguments)  # type: ignore[arg-type]
        except IntegrationError as error:
            return error
        finally:
            await client.aclose()

    return asyncio.run(run()), seen


def _statuses(*statuses: int, body: bytes = b'{"id": "ch_1"}') -> Answer:
    """A service answering `statuses` in turn, then the last one again."""
    answered: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status = statuses[min(len(answered), len(statuses) - 1)]
        answered.append(status)
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    return answer


def test_a_call_sends_the_credential_the_escaped_path_and_the_body() -> None:
    answer, seen = _call(
        _statuses(201),
        "POST",
        "/charges/{charge.id}/capture",
        path_values={"charge.id": "ch 1/../admin"},
        query={"expand": "customer"},
        json={"amount": "10.00"},
    )
    assert answer == {"id": "ch_1"}
    [request] = seen
    assert request.url.raw_path == b"/api/charges/ch%201%2F..%2Fadmin/capture?expand=customer"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.content == b'{"amount":"10.00"}'
    assert "idempotency-key" not in request.headers


def test_a_credential_in_another_header_is_sent_as_it_is() -> None:
    _, [request] = _call(_statuses(200), settings=_settings(credential_header="X-Api-Key"))
    assert request.headers["x-api-key"] == "s3cret"
    assert "authorization" not in request.headers


def test_an_answer_without_a_body_is_none() -> None:
    assert _call(_statuses(204, body=b""))[0] is None


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_an_idempotent_call_is_tried_again_while_the_service_asks(status: int) -> None:
    answer, seen = _call(_statuses(status, status, 200))
    assert (answer, len(seen)) == ({"id": "ch_1"}, 3)


def test_a_call_is_tried_again_at_most_retries_times() -> None:
    answer, seen = _call(_statuses(503))
    assert isinstance(answer, IntegrationError)
    assert (answer.status, answer.upstream_status, len(seen)) == (502, 503, 3)


def test_a_post_is_tried_again_only_with_an_idempotency_key() -> None:
    unkeyed, once = _call(_statuses(503, 201), "POST", json={})
    keyed, twice = _call(_statuses(503, 201), "POST", json={}, idempotency_key="order-1")
    assert isinstance(unkeyed, IntegrationError)
    assert len(once) == 1
    assert (keyed, len(twice)) == ({"id": "ch_1"}, 2)
    assert [r.headers["idempotency-key"] for r in twice] == ["order-1", "order-1"]


def test_a_refusal_is_not_tried_again_and_keeps_what_the_service_said() -> None:
    answer, seen = _call(_statuses(402, body=b'{"code": "card_declined"}'))
    assert isinstance(answer, IntegrationError)
    assert (answer.status, answer.upstream_status, answer.body) == (
        502,
        402,
        {"code": "card_declined"},
    )
    assert len(seen) == 1


def test_a_wait_longer_than_the_timeout_is_not_waited_for() -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"retry-after": "3600"})

    answer, seen = _call(busy)
    assert isinstance(answer, IntegrationError)
    assert len(seen) == 1


def _raise(error: type[httpx.RequestError]) -> Answer:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error("failed", request=request)

    return fail


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (httpx.ConnectError, 502),
        (httpx.DecodingError, 502),  # a body that cannot be decoded (a broken gzip)
        (httpx.ReadTimeout, 504),
        (httpx.ConnectTimeout, 504),
    ],
)
def test_an_unreachable_or_slow_service_is_a_502_or_504_after_the_retries(
    error: type[httpx.RequestError], status: int
) -> None:
    answer, seen = _call(_raise(error))
    assert isinstance(answer, IntegrationError)
    assert (answer.status, answer.upstream_status, len(seen)) == (status, None, 3)
    assert answer.detail is None  # a 5xx tells the caller nothing of the other service


def test_an_answer_that_is_not_json_is_a_502() -> None:
    answer, _ = _call(_statuses(200, body=b"<html>maintenance</html>"))
    assert isinstance(answer, IntegrationError)
    assert (answer.status, answer.upstream_status) == (502, 200)


@pytest.mark.parametrize("value", [".", ".."])
def test_a_dot_segment_is_refused_rather_than_sent(value: str) -> None:
    async def run() -> None:
        client = IntegrationClient(_settings())
        try:
            await client.call("GET", "/accounts/{id}/charges", {"id": value})
        finally:
            await client.aclose()

    with pytest.raises(ProblemError) as raised:
        asyncio.run(run())
    assert raised.value.status == 422


def test_an_empty_idempotency_key_is_no_key_so_the_post_is_sent_once() -> None:
    answer, seen = _call(_statuses(503, 201), "POST", json={}, idempotency_key="")
    assert isinstance(answer, IntegrationError)
    assert len(seen) == 1
    assert "idempotency-key" not in seen[0].headers


def test_every_retry_is_made_however_long_the_backoff_grows() -> None:
    """The backoff is capped at the timeout, so the jitter never cuts the tries short."""
    settings = _settings(timeout_s=0.05, retries=3, backoff_s=0.04)
    for _ in range(5):
        _, seen = _call(_statuses(503), settings=settings)
        assert len(seen) == 4


def test_an_empty_credential_is_none() -> None:
    _, [request] = _call(_statuses(200), settings=_settings(credential=SecretStr("")))
    assert "authorization" not in request.headers
