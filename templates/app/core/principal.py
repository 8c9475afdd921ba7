"""Who is calling, as a verified credential says, and the tokens verified lately."""

import time
from collections import OrderedDict
from collections.abc import Callable

from pydantic import BaseModel


class Principal(BaseModel):
    """Who is calling, as the token says."""

    subject: str
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()

    def allows(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


def names_in(value: object) -> frozenset[str]:
    """The names a claim holds: space-separated text (OAuth's `scope`) or a list."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(item) for item in value)
    return frozenset()


class VerifiedTokens:
    """Tokens verified lately and the principal each names, kept until the token expires: a
    client sends the same token with every request, and checking its signature and claims
    again each time is most of an authenticated request's own work. Bounded (the least
    recently used leave first) and emptied when the signers' key set changes. Per process."""

    def __init__(self, size: int, clock: Callable[[], float] = time.time) -> None:
        self.size = size
        self.clock = clock
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def get(self, token: str) -> Principal | None:
        """The principal of `token` if it was verified and has not expired since."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, expires = entry
        if self.clock() >= expires:  # verified again, and refused as expired
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return principal

    def put(self, token: str, principal: Principal, expires: float) -> None:
        """Keep `principal` for `token` until `expires` (its `exp` plus the leeway)."""
        if self.size <= 0:
            return
        self._entries[token] = (principal, expires)
        self._entries.move_to_end(token)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
