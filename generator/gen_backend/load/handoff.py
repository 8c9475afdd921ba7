"""Load a handoff directory into its raw parts. Malformed files raise HandoffInputError (exit 2);
missing ones are recorded, so the No-Go gate can report every one of them at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel

from gen_backend.errors import HandoffInputError, InputProblem
from gen_backend.load.design_common import DesignNote
from gen_backend.load.openapi import OpenApiDocument, load_openapi
from gen_backend.load.raw import (
    RawAuth,
    RawIntegrations,
    RawManifest,
    RawMigrations,
    RawRfiAnswers,
)
from gen_backend.load.schema_dbml import load_schema_dbml
from gen_backend.load.schema_sql import load_schema_sql
from gen_backend.load.schema_yaml import load_schema_yaml
from gen_backend.load.source import (
    SourceFile,
    load_yaml,
    parse_as,
    read_source,
    walk_extras,
    yaml_problem,
)
from gen_backend.model.schema import SchemaDesign
from gen_backend.model.service import Intervention

MANIFEST = "handoff.yaml"
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "openapi": ("openapi.yaml", "openapi.yml", "openapi.json"),
    "schema": ("schema.yaml", "schema.yml", "schema.dbml", "schema.sql"),
    "auth": ("auth.yaml", "auth.yml"),
    "migrations": ("migrations.yaml", "migrations.yml"),
    "integrations": ("integrations.yaml", "integrations.yml"),
    "rfis": ("rfis.yaml", "rfis.yml"),  # a person's answers to the RFIs
}


@dataclass(frozen=True)
class UnknownKey:
    file: Path
    at: str
    key: str


@dataclass(frozen=True)
class DesignForm:
    """One spelling of the schema design (a handoff may carry more than one)."""

    path: Path
    design: SchemaDesign | None
    notes: tuple[DesignNote, ...] = ()  # what the file says that the model cannot hold


@dataclass
class RawHandoff:
    root: Path
    manifest: RawManifest | None = None
    openapi: OpenApiDocument | None = None
    designs: list[DesignForm] = field(default_factory=list)
    auth: RawAuth | None = None
    migrations: RawMigrations | None = None
    integrations: RawIntegrations | None = None
    answers: RawRfiAnswers | None = None
    interventions: list[Intervention] = field(default_factory=list)
    paths: dict[str, Path | None] = field(default_factory=dict)  # artifact -> file found
    unknown_keys: list[UnknownKey] = field(default_factory=list)
    lenient: bool = False  # a spec that fails validation is read anyway, its errors RFIs

    @property
    def design(self) -> SchemaDesign | None:
        return self.designs[0].design if self.designs else None

    def relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def load_handoff(root: Path, *, lenient: bool = False) -> RawHandoff:
    """Raises HandoffInputError for malformed input. A spec that parses but fails validation
    is read anyway, its violations kept (`openapi.invalid`): a No-Go item, or RFIs when
    `lenient`."""
    if not root.is_dir():
        raise HandoffInputError(
            InputProblem(
                root,
                "",
                "is not a directory",
                "pass the handoff directory"
                + (
                    f"; to draft one around this spec: gen-backend init {root} -o <dir>"
                    if root.suffix.lower() in (".yaml", ".yml", ".json")
                    else ""
                ),
            )
        )
    raw = RawHandoff(root=root, lenient=lenient)
    manifest_path = root / MANIFEST
    raw.paths["manifest"] = manifest_path if manifest_path.is_file() else None
    overrides: dict[str, str | None] = {}
    if manifest_path.is_file():
        source = read_source(manifest_path)
        raw.manifest = parse_as(source, RawManifest, what="the handoff manifest")
        _note_unknown(raw, source, raw.manifest)
        artifacts = raw.manifest.artifacts
        overrides = {
            "openapi": artifacts.openapi,
            "schema": artifacts.schema_,
            "auth": artifacts.auth,
            "migrations": artifacts.migrations,
            "integrations": artifacts.integrations,
            "rfis": artifacts.rfis,
        }
    for artifact in DEFAULT_NAMES:
        raw.paths[artifact] = _find(root, artifact, overrides.get(artifact))

    if path := raw.paths["schema"]:
        raw.designs = [load_design(raw, p) for p in _design_files(root, path)]
    if path := raw.paths["auth"]:
        source = read_source(path)
        raw.auth = parse_as(source, RawAuth, what="the auth & permission model")
        _note_unknown(raw, source, raw.auth)
    if path := raw.paths["migrations"]:
        source = read_source(path)
        raw.migrations = parse_as(source, RawMigrations, what="the migration plan")
        _note_unknown(raw, source, raw.migrations)
    if path := raw.paths["integrations"]:
        source = read_source(path)
        raw.integrations = parse_as(source, RawIntegrations, what="`integrations:`")
        _note_unknown(raw, source, raw.integrations)
    if path := raw.paths["rfis"]:
        source = read_source(path)
        raw.answers = parse_as(source, RawRfiAnswers, what="`answers:` to the RFIs")
        _note_unknown(raw, source, raw.answers)
    raw.interventions = _interventions(root)
    # last: validating the spec is the slow part, so small malformed files fail first
    if path := raw.paths["openapi"]:
        raw.openapi = load_openapi(path, lenient=True)
    return raw


def _find(root: Path, artifact: str, override: str | None) -> Path | None:
    if override:
        path = root / override
        return path if path.is_file() else None
    return next((root / n for n in DEFAULT_NAMES[artifact] if (root / n).is_file()), None)


def _design_files(root: Path, chosen: Path) -> list[Path]:
    """The chosen design first, then any other spelling beside it (they must agree)."""
    others = [root / n for n in DEFAULT_NAMES["schema"] if (root / n).is_file()]
    return [chosen] + [p for p in others if p.resolve() != chosen.resolve()]


def load_design(raw: RawHandoff, path: Path) -> DesignForm:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        source = read_source(path)
        design, raw_design = load_schema_yaml(source)
        _note_unknown(raw, source, raw_design)
        return DesignForm(path, design)
    text = _read_text(path)
    if suffix == ".dbml":
        return DesignForm(path, load_schema_dbml(path, text))
    if suffix == ".sql":
        notes: list[DesignNote] = []
        design = load_schema_sql(path, text, notes)
        return DesignForm(path, design, tuple(notes))
    raise HandoffInputError(
        InputProblem(
            path,
            "",
            f"unknown schema design format `{suffix}`",
            "use schema.yaml, schema.dbml or schema.sql",
        )
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HandoffInputError(
            InputProblem(path, "", f"cannot be read: {exc}", "save the file as UTF-8 text")
        ) from None


def _note_unknown(raw: RawHandoff, source: SourceFile, model: BaseModel) -> None:
    raw.unknown_keys.extend(UnknownKey(source.path, at, key) for at, key in walk_extras(model))


def _interventions(root: Path) -> list[Intervention]:
    """Every intervention, active or processed: `<name>.md`, or `<name>/content.md`."""
    found = []
    for state in ("active", "processed"):
        folder = root / "human-interventions" / state
        files = sorted([*folder.glob("*.md"), *folder.glob("*/content.md")])
        for path in files:
            front, body = _front_matter(path)
            found.append(
                Intervention(
                    file=str(path.relative_to(root)),
                    name=path.parent.name if path.name == "content.md" else path.stem,
                    phase=str(front.get("phase", "all")),
                    urgency=str(front.get("urgency", "end-of-phase")),
                    title=str(front.get("title") or front.get("summary") or path.stem),
                    body=body.strip(),
                    active=state == "active",
                    date=str(front["date"]) if front.get("date") else None,
                )
            )
    return found


def _front_matter(path: Path) -> tuple[dict[str, object], str]:
    """A Markdown file's YAML front matter (none without one) and its body."""
    text = _read_text(path)
    if not text.startswith("---"):
        return {}, text
    _, _, rest = text.partition("---")
    header, sep, body = rest.partition("\n---")
    if not sep:
        raise HandoffInputError(
            InputProblem(
                path,
                "line 1",
                "front matter is not closed",
                "end the YAML front matter with a `---` line",
            )
        )
    try:
        loaded = load_yaml(header)
    except yaml.YAMLError as exc:
        # `header` starts with the newline that ends the opening `---` line
        raise HandoffInputError(yaml_problem(path, exc, first_line=1)) from None
    return (loaded if isinstance(loaded, dict) else {}), body.partition("\n")[2]
