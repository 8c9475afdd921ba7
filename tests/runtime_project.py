"""Stand-ins for the two modules a project renders that its runtime modules read
(`app.core.config` and `app.core.names`), so that tests/test_runtime*.py can import the
runtime modules as a project does. Each generated project's own tests run them against its
real settings; here the settings are the defaults the templates give, on a SQLite file of this
process."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

DATABASE = Path(tempfile.mkdtemp(prefix="gen-backend-runtime-")) / "runtime.db"


@dataclass
class Settings:
    """The settings the runtime modules read, at app/core/config.py.j2's defaults."""

    database_url: str = f"sqlite+aiosqlite:///{DATABASE}"
    db_echo: bool = False
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout_s: float = 30.0
    readiness_timeout_s: float = 2.0
    rate_limit_requests: int = 0
    rate_limit_window_s: int = 60
    idempotency_ttl_s: float = 24 * 60 * 60
    idempotency_lock_s: float = 60.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def install() -> None:
    """Register the stand-ins as `app.core.config` and `app.core.names`."""
    config = ModuleType("app.core.config")
    config.Settings = Settings  # type: ignore[attr-defined]
    config.get_settings = get_settings  # type: ignore[attr-defined]
    names = ModuleType("app.core.names")
    names.IDEMPOTENCY_TABLE = "idempotency_keys"  # type: ignore[attr-defined]
    names.RATE_LIMIT_TABLE = "rate_limits"  # type: ignore[attr-defined]
    names.LIVE = "/healthz"  # type: ignore[attr-defined]
    names.READY = "/readyz"  # type: ignore[attr-defined]
    sys.modules.setdefault("app.core.config", config)
    sys.modules.setdefault("app.core.names", names)
