"""The signers' public keys, from the key set (JWKS) their provider publishes."""

import asyncio
import logging
import time
from collections.abc import Callable

import httpx
import jwt

logger = logging.getLogger("app.security")


class KeySetUnavailableError(Exception):
    """The signers' key set could not be fetched: the token cannot be checked (our fault)."""


class JwksCache:
    """The signers' public keys from a JWKS URL, fetched asynchronously and kept.

    A token naming a key (`kid`) not in the set makes it fetch the set again, at most once
    every `refresh_s` seconds, so keys the provider rotates in are found and a flood of
    made-up `kid`s cannot hammer the provider."""

    def __init__(
        self,
        url: str,
        *,
        refresh_s: float = 30.0,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self.on_change = on_change  # called when a fetch finds another set of keys
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.transport = transport
        self.fetches = 0
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK:
        """The key named `kid` (or the only key, for a token that names none)."""
        found = self._find(kid)
        if found is None and self._may_fetch():
            async with self._lock:
                found = self._find(kid)
                if found is None and self._may_fetch():
                    await self._fetch()
                    found = self._find(kid)
        if found is None:
            raise jwt.InvalidTokenError("the token's key is not in the signers' key set")
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self.refresh_s

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            async with httpx.AsyncClient(
                transport=self.transport, timeout=self.timeout_s
            ) as client:
                response = await client.get(self.url)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as error:
            logger.warning("cannot fetch the key set at %s: %s", self.url, error)
            if not self._keys:
                raise KeySetUnavailableError(str(error)) from None
            return  # keep the keys we have
        fetched = {k.key_id: k for k in keys}
        changed = {kid: k.key for kid, k in fetched.items()} != {
            kid: k.key for kid, k in self._keys.items()
        }
        self._keys = fetched
        if changed and self.on_change is not None:
            self.on_change()
