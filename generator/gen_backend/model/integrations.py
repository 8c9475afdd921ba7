"""What each integration is called in the project it becomes (its module, its settings and
their environment variables, its operations' methods), and which cannot be built: decided
here once, for `check`'s RFIs and the plan alike."""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass
from enum import StrEnum

from gen_backend.model.naming import python_package, snake
from gen_backend.model.service import Integration, IntegrationOperation, ServiceModel

# the settings app/core/config.py has whatever the integrations (tests/test_integrations.py
# holds this to the template)
FIXED_SETTINGS = frozenset(
    {
        "environment",
        "database_url",
        "migration_database_url",
        "db_pool_size",
        "db_max_overflow",
        "db_pool_timeout_s",
        "db_echo",
        "readiness_timeout_s",
        "max_page_size",
        "max_body_bytes",
        "rate_limit_requests",
        "rate_limit_window_s",
        "idempotency_ttl_s",
        "idempotency_lock_s",
        "jwt_algorithms",
        "jwt_public_key",
        "jwks_url",
        "jwks_refresh_s",
        "jwks_timeout_s",
        "jwt_secret",
        "jwt_issuer",
        "jwt_audience",
        "jwt_leeway_s",
        "jwt_verified_tokens",
        "jwt_subject_claim",
        "jwt_roles_claim",
        "jwt_scopes_claim",
        "api_keys",
    }
)
# what app/core/integration.py's IntegrationClient has: no operation's method may shadow it
CLIENT_MEMBERS = frozenset({"call", "aclose", "is_closed", "settings"})
# the names the files an integration's names go into already have (app/integrations/,
# tests/test_integrations.py): imports, the runtime's classes, the tests' own constants
_TAKEN_NAMES = frozenset(
    {
        "close_clients",
        "get_settings",
        "lru_cache",
        "httpx",
        "pytest",
        "SETTINGS",
        "GETTERS",
        "Client",
        "Call",
        "IntegrationClient",
        "IntegrationError",
        "IntegrationSettings",
    }
)
_BUILTINS = frozenset(dir(builtins))  # `str` as a getter would hide the type the files use
# an HTTP field name (RFC 9110 5.1: a token)
_HEADER = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# an absolute path of RFC 3986 characters (escapes included) and `{slot}`s
_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2}|\{[A-Za-z0-9_.\-]+\})*$")
DEFAULT_TIMEOUT_S = 10.0
# the parameters an operation's method has besides its path's values
_CALL_PARAMETERS = frozenset({"self", "json", "query", "idempotency_key"})
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Refusal(StrEnum):
    KIND = "kind"  # not an HTTP service
    NAME_TAKEN = "name taken"  # a name it gives the project is another's
    VARIABLE = "variable"  # a variable it names cannot be one (`payments-url`)
    HEADER = "header"  # its credential header cannot be one (`X Api Key`)


@dataclass(frozen=True)
class ClientOperation:
    """An operation of an integration, as a method of its client."""

    method: str  # the Python method's name
    spec: IntegrationOperation
    index: int  # in the integration's `operations`
    path: str  # the spec's, from the root (`/` first)
    # (parameter, slot) for each `{slot}` of the path, in order
    path_values: tuple[tuple[str, str], ...]
    renamed: bool  # its name would shadow the client's own

    @property
    def http_method(self) -> str:
        return self.spec.method.value.upper()

    @property
    def takes_body(self) -> bool:
        return self.http_method in {"POST", "PUT", "PATCH"}

    @property
    def keyed(self) -> bool:
        """Whether it takes an Idempotency-Key: only a call that is not idempotent needs one
        to be retried."""
        return self.http_method in {"POST", "PATCH"}


@dataclass(frozen=True)
class ClientNames:
    """An integration as the generated project names it."""

    integration: Integration
    module: str  # app/integrations/<module>.py; its client getter has the same name
    base_url_env: str
    derived_base_url: bool  # the handoff named no variable: `<MODULE>_BASE_URL`
    operations: tuple[ClientOperation, ...]
    # the operations left out: their paths are no URL paths (`/items/{id}"`)
    invalid_paths: tuple[int, ...] = ()

    @property
    def client_class(self) -> str:
        return "".join(part.capitalize() for part in self.module.split("_")) + "Client"

    @property
    def fields(self) -> dict[str, str | None]:
        """Its settings: field name -> the environment variable it is read from (None: the
        field's own name)."""
        fields: dict[str, str | None] = {f"{self.module}_base_url": self.base_url_env}
        if self.integration.credential_env:
            fields[f"{self.module}_credential"] = self.integration.credential_env
        fields[f"{self.module}_timeout_s"] = None
        fields[f"{self.module}_retries"] = None
        return fields

    @property
    def python_names(self) -> frozenset[str]:
        """The names it gives the Python files it goes into: its getter, its client class,
        its test constants."""
        upper = self.module.upper()
        return frozenset({self.module, self.client_class, upper, f"{upper}_CALLS"})

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple((env or field).upper() for field, env in self.fields.items())

    @property
    def timeout_s(self) -> float:
        return self.integration.timeout_s or DEFAULT_TIMEOUT_S


def client_names(service: ServiceModel) -> tuple[list[ClientNames], list[tuple[int, Refusal]]]:
    """The integrations the project calls, and (index in integrations.yaml, why) for those
    it cannot: a kind other than `http`, a variable or header that cannot be one, or a name
    (Python's, a setting's, a variable's) another has (the first keeps it)."""
    taken_fields = set(FIXED_SETTINGS)
    taken_variables = {f.upper() for f in FIXED_SETTINGS} | {
        name.upper()
        for name in (service.auth.jwt.secret_env, service.auth.jwt.jwks_url_env)
        if name
    }
    taken_python_names: set[str] = set()
    built: list[ClientNames] = []
    refused: list[tuple[int, Refusal]] = []
    for index, integration in enumerate(service.integrations):
        if integration.kind.strip().lower() != "http":
            refused.append((index, Refusal.KIND))
            continue
        module = python_package(snake(integration.name))
        operations, invalid_paths = _operations(integration)
        names = ClientNames(
            integration=integration,
            module=module,
            base_url_env=integration.base_url_env or f"{module.upper()}_BASE_URL",
            derived_base_url=not integration.base_url_env,
            operations=operations,
            invalid_paths=invalid_paths,
        )
        variables = {v.upper() for v in names.variables}
        if not all(_ENV.match(v) for v in variables):
            refused.append((index, Refusal.VARIABLE))
            continue
        if not _HEADER.match(integration.credential_header):
            refused.append((index, Refusal.HEADER))
            continue
        if (
            names.python_names & (_TAKEN_NAMES | _BUILTINS | taken_python_names)
            or taken_fields & set(names.fields)
            or taken_variables & variables
            or len(variables) < len(names.fields)
        ):
            refused.append((index, Refusal.NAME_TAKEN))
            continue
        taken_fields |= set(names.fields)
        taken_variables |= variables
        taken_python_names |= names.python_names
        built.append(names)
    return built, refused


def _operations(integration: Integration) -> tuple[tuple[ClientOperation, ...], tuple[int, ...]]:
    """Each operation's method: its name in snake case, `_operation` added where it would
    shadow the client's own members or repeat another's; and the operations whose paths are
    no URL paths, left out."""
    operations: list[ClientOperation] = []
    invalid: list[int] = []
    seen: set[str] = set()
    for index, op in enumerate(integration.operations):
        path = "/" + op.path.strip().lstrip("/")
        if not _PATH.match(path):
            invalid.append(index)
            continue
        method = _identifier(op.name, "operation")
        renamed = method in CLIENT_MEMBERS or method in seen
        while method in CLIENT_MEMBERS or method in seen:
            method += "_operation"
        seen.add(method)
        slots = re.findall(r"\{([^{}]+)\}", path)
        parameters: list[tuple[str, str]] = []
        for slot in dict.fromkeys(slots):
            parameter = _identifier(slot, "value")
            while parameter in {p for p, _ in parameters} | _CALL_PARAMETERS:
                parameter += "_"
            parameters.append((parameter, slot))
        operations.append(ClientOperation(method, op, index, path, tuple(parameters), renamed))
    return tuple(operations), tuple(invalid)


def _identifier(name: str, fallback: str) -> str:
    """`charge-id` -> `charge_id`; a keyword or a leading digit gets a suffix or prefix."""
    word = snake(name) or fallback
    if word[0].isdigit():
        word = f"{fallback}_{word}"
    return word + "_" if keyword.iskeyword(word) else word
