"""Shared base of every intermediate-model type: frozen, typed, no unknown fields."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied, and none of the original's cached views (a
        `cached_property` computed from the fields it replaces would be stale)."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            for name, member in vars(type(self)).items():
                if isinstance(member, cached_property):
                    copied.__dict__.pop(name, None)
        return copied
