"""Calls to the services this one depends on (integrations.yaml, app/integrations/): a time
limit on each, retries where sending again is safe, and a failure of theirs answered as a 502
or 504 problem, never as our 500."""

import asyncio
import logging
import random
import re
import uuid
from collections.abc import Mapping
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field, HttpUrl, JsonValue, SecretStr

from app.core.problem import ProblemError

logger = logging.getLogger("app.integrations")

# a request with these methods may be sent again without doing its work twice (RFC 9110 9.2.2)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# answers that ask to try again later: the request was not carried out
RETRIED_STATUSES = frozenset({429, 502, 503, 504})

PathValue = str | int | uuid.UUID
_SLOT = re.compile(r"\{([^{}]+)\}")  # a path's `{name}`, whatever the name holds
Query = Mapping[str, str | int | float | bool | list[str]]


class IntegrationSettings(BaseModel):
    """Where a service is and how it is called (from the project's settings)."""

    name: str
    base_url: HttpUrl
    credential: SecretStr | None = None
    # `Authorization` carries the credential as a bearer token; another header carries it as is
    credential_header: str = "Authorization"
    timeout_s: float = Field(default=10.0, gt=0)
    retries: int = Field(default=0, ge=0)
    backoff_s: float = Field(default=0.2, ge=0)  # the wait before the first retry, then doubled


class IntegrationError(ProblemError):
    """A call to another service failed: a 502 problem unless a rule catches it.

    `upstream_status` is the status that service answered (None when it did not answer), and
    `body` what it said, for a rule that turns a refusal of theirs into an answer of its own."""

    def __init__(
        self,
        integration: str,
        *,
        status: int = 502,
        upstream_status: int | None = None,
        body: JsonValue = None,
    ) -> None:
        title = (
            "A service this one depends on did not answer in time"
            if status == 504
            else "A service this one depends on failed"
        )
        super().__init__(status, title)
        self.integration = integration
        self.upstream_status = upstream_status
        self.body = body


class IntegrationClient:
    """One service this one calls; each integration's subclass names its operations.

    One client per process keeps its connections; `aclose()` ends them when the app stops."""

    def __init__(
        self, settings: IntegrationSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        headers = {}
        if settings.credential is not None and settings.credential.get_secret_value():
            secret = settings.credential.get_secret_value()
            bearer = settings.credential_header.lower() == "authorization"
            headers[settings.credential_header] = f"Bearer {secret}" if bearer else secret
        self._http = httpx.AsyncClient(
            base_url=str(settings.base_url),
            headers=headers,
            timeout=settings.timeout_s,
            transport=transport,
        )

    async def call(
        self,
        method: str,
        path: str,
        path_values: Mapping[str, PathValue] | None = None,
        *,
        query: Query | None = None,
        json: JsonValue = None,
        idempotency_key: str | None = None,
    ) -> JsonValue:
        """Send one request and answer its JSON body (None when it has none).

        The path's `{name}` slots are filled from `path_values`, each escaped, so a value
        cannot reach another path. A call is retried only when sending it again is safe: its
        method is idempotent, or it carries an `Idempotency-Key` for the other service to
        recognise the repeat by."""
        values = path_values or {}
        url = _SLOT.sub(lambda slot: _segment(values[slot[1]]), path)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        repeatable = method.upper() in IDEMPOTENT_METHODS or bool(idempotency_key)
        attempts = 1 + (self.settings.retries if repeatable else 0)
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method, url, params=query, json=json, headers=headers
                )
            except httpx.TimeoutException as error:
                failure, reason = IntegrationError(self.settings.name, status=504), str(error)
                wait = self._backoff(attempt)
            except httpx.RequestError as error:  # unreachable, or an answer that cannot be read
                failure, reason = IntegrationError(self.settings.name), str(error)
                wait = self._backoff(attempt)
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return self._answer(method, url, response)
                failure, reason = self._failure(response), f"answered {response.status_code}"
                wait = max(self._backoff(attempt), _retry_after(response))
            attempt += 1
            # the backoff is never longer than the timeout: a service asking for a longer
            # wait is not waited for
            if attempt == attempts or wait > self.settings.timeout_s:
                logger.warning("%s %s %s: %s", self.settings.name, method, url, reason)
                raise failure
            await asyncio.sleep(wait)

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    def _backoff(self, attempt: int) -> float:
        """Exponential, with jitter so that the callers of a recovering service spread out;
        never longer than a call's timeout."""
        wait = self.settings.backoff_s * 2.0**attempt * random.uniform(0.5, 1.0)
        return min(wait, self.settings.timeout_s)

    def _answer(self, method: str, url: str, response: httpx.Response) -> JsonValue:
        if response.is_success:
            try:
                return _json(response)
            except ValueError:
                logger.warning("%s %s %s: the answer is not JSON", self.settings.name, method, url)
                raise IntegrationError(
                    self.settings.name, upstream_status=response.status_code
                ) from None
        logger.warning(
            "%s %s %s: answered %s", self.settings.name, method, url, response.status_code
        )
        raise self._failure(response)

    def _failure(self, response: httpx.Response) -> IntegrationError:
        try:
            body = _json(response)
        except ValueError:
            body = None
        return IntegrationError(self.settings.name, upstream_status=response.status_code, body=body)


def _segment(value: PathValue) -> str:
    """A value as one path segment: every character but letters, digits and `-._~` escaped,
    so that it cannot reach another path; a dot segment is refused outright, since servers
    resolve it even escaped."""
    text = str(value)
    if text in {".", ".."}:
        raise ProblemError(
            422, "The request is not valid", detail=f"`{text}` cannot name a resource"
        )
    return quote(text, safe="")


def _json(response: httpx.Response) -> JsonValue:
    """The body as JSON; None when there is none. Raises ValueError for anything else."""
    if not response.content:
        return None
    value: JsonValue = response.json()
    return value


def _retry_after(response: httpx.Response) -> float:
    """The seconds a `Retry-After` header asks for (0 when absent or given as a date)."""
    given = response.headers.get("retry-after", "")
    return float(given) if given.isdigit() else 0.0
