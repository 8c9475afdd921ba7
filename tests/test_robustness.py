"""No input makes `check` crash: a random node of a random artifact is replaced by a random
value, and the verdict must be one of accepted (0), bad input (2) or HALT (3), never an
exception. Derandomised, so a failure reproduces in CI."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from gen_backend.cli import app

from .conftest import SAMPLES

ARTIFACTS = ("handoff.yaml", "schema.yaml", "auth.yaml", "migrations.yaml", "openapi.yaml")

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        ["", "now", "uuid", "public", "*", "enum", "#/x", "books", "books.id", "0001", "FR-001"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _replace(node: object, steps: list[int], value: object) -> object:
    """Follow `steps` (each picks a child by index) and put `value` where they end."""
    if not steps or not isinstance(node, dict | list) or not node:
        return value
    if isinstance(node, dict):
        key = list(node)[steps[0] % len(node)]
        node[key] = _replace(node[key], steps[1:], value)
    else:
        index = steps[0] % len(node)
        node[index] = _replace(node[index], steps[1:], value)
    return node


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    artifact=st.sampled_from(ARTIFACTS),
    steps=st.lists(st.integers(0, 50), min_size=1, max_size=6),
    value=values,
)
def test_any_mutation_gets_a_verdict_not_a_crash(
    artifact: str, steps: list[int], value: object
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "handoff"
        shutil.copytree(SAMPLES / "library", root)
        path = root / artifact
        data = _replace(yaml.safe_load(path.read_text()), steps, value)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        result = CliRunner().invoke(app, ["check", str(root), "--json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{artifact} {steps} = {value!r}: {result.exception!r}"
        )
        assert result.exit_code in (0, 2, 3), result.stdout
        assert "Traceback" not in result.stdout
