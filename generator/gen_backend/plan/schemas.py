"""Planning the API schemas: OpenAPI schemas -> pydantic classes with exact wire names.

Every named schema that an in-scope operation reaches becomes one class. A class lives in the
domain whose operations use it; one that several domains use lives in the domain that answers
it as its own row (`Author`, answered by `getAuthor`, embedded in `Book`), where that makes no
import cycle between the schema modules, and otherwise in `app/common/schemas.py`.
Inline object schemas become classes of their own, named after where they appear.
In a `multipart/form-data` body, a binary string (`format: binary` or a `contentMediaType`) is
a file: an `UploadFile`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from gen_backend.model import ApiModel, Operation, Schema, SchemaType
from gen_backend.model.crossing import Crossing
from gen_backend.model.uploads import is_base64, is_file, is_multipart
from gen_backend.plan.names import class_name, field_name, taken_name, unique
from gen_backend.plan.pytypes import (
    Bounded,
    ClassRef,
    DictOf,
    Keyword,
    ListOf,
    LiteralOf,
    PyType,
    Scalar,
    UnionOf,
    WireFormat,
    positional,
)

COMMON = "common"
UPLOAD = "UploadFile"

_FORMATS = {
    "uuid": Scalar("uuid.UUID"),
    "date-time": Scalar("datetime.datetime"),
    "date": Scalar("datetime.date"),
    "time": Scalar("datetime.time"),
    "binary": Scalar("bytes"),
    "decimal": Scalar("decimal.Decimal"),
}
STR, INT, FLOAT, BOOL = Scalar("str"), Scalar("int"), Scalar("float"), Scalar("bool")
BYTES = _FORMATS["binary"]
JSON_VALUE = Scalar("JsonValue")


@dataclass(frozen=True)
class FieldPlan:
    name: str  # the Python attribute
    wire: str  # the JSON name, exactly as the spec spells it
    annotation: PyType
    required: bool
    constraints: tuple[Keyword, ...]  # Field(...) keyword arguments
    description: str | None
    default: str = "None"  # source text of an optional field's default (the spec's, if any)
    read_only: bool = False  # the spec's `readOnly`: answered, never written from a request
    nullable: bool = False  # the spec allows null (`nullable`, or a `null` type)


@dataclass(frozen=True)
class ClassPlan:
    name: str
    module: str  # the domain package, or `common`
    description: str | None
    fields: tuple[FieldPlan, ...]
    forbid_extra: bool
    root: PyType | None = None  # a RootModel's annotation, for non-object named schemas
    # the bounds its value is held to (`Field(...)` keywords), as a field's
    root_constraints: tuple[Keyword, ...] = ()
    # fields that may be left out but are never null (a partial update of a NOT NULL
    # column): documented without null, and an explicit null refused with a 422
    not_null: tuple[str, ...] = ()
    # the classes a `oneOf`/`anyOf` root may be, where each is a named class (`Beverage`,
    # `Dessert` of a `MenuItem`)
    members: tuple[str, ...] = ()

    @property
    def root_type(self) -> PyType | None:
        """The RootModel's type argument: its annotation, with its bounds."""
        if self.root is None or not self.root_constraints:
            return self.root
        return Bounded(self.root, self.root_constraints)


@dataclass
class SchemaPlanner:
    api: ApiModel
    classes: dict[str, ClassPlan] = field(default_factory=dict)  # by class name
    names: dict[str, str] = field(default_factory=dict)  # named schema -> class name
    _taken: set[str] = field(default_factory=set)
    _module: dict[str, str] = field(default_factory=dict)  # named schema -> module
    _uploads: set[str] = field(default_factory=set)  # named schemas sent as multipart bodies
    # a name the project uses itself (`Problem`, `Page`) -> the class's (`ProblemSchema`)
    renamed: dict[str, str] = field(default_factory=dict)

    def assign(self, operations: dict[str, list[Operation]]) -> None:
        """Decide each reachable named schema's module from the domains that use it."""
        users: dict[str, set[str]] = {}
        answers: dict[str, set[str]] = {}  # named schema -> domains answering it as their row
        for domain, ops in operations.items():
            for op in ops:
                for name in self._reached(op):
                    users.setdefault(name, set()).add(domain)
                for name in _answered(op):
                    answers.setdefault(name, set()).add(domain)
                body = op.request_body.body if op.request_body else None
                if body and body.schema_ and body.schema_.ref and is_multipart(body.content_type):
                    self._uploads.add(body.schema_.ref)
        for name in self.api.schemas_by_name:
            if name in users:
                domains = users[name]
                owners = answers.get(name, set()) & domains if len(domains) > 1 else domains
                self._module[name] = next(iter(owners)) if len(owners) == 1 else COMMON
                self.names[name] = taken_name(class_name(name), self._taken, "Schema", self.renamed)
        self._break_cycles({name for name in users if len(users[name]) > 1})

    def _break_cycles(self, shared: set[str]) -> None:
        """Put back in `common` each shared schema that left it, while the schema modules
        import each other in a cycle (`common` counts as a module)."""
        while cycle := _cycle(self._imports()):
            moved = sorted(
                n for n in shared if self._module[n] in cycle and self._module[n] != COMMON
            )
            if not moved:
                return  # no shared schema to move back: a cycle of the domains' own making
            for name in moved:
                self._module[name] = COMMON

    def _imports(self) -> dict[str, set[str]]:
        """Which schema module imports which, from the named schemas each one refers to."""
        edges: dict[str, set[str]] = {}
        for name, module in self._module.items():
            for ref in _refs(self.api.schemas_by_name[name].schema_):
                target = self._module.get(ref, module)
                if target != module:
                    edges.setdefault(module, set()).add(target)
        return edges

    def _reached(self, op: Operation) -> set[str]:
        roots: list[Schema] = [p.schema_ for p in op.parameters]
        if op.request_body and op.request_body.body.schema_:
            roots.append(op.request_body.body.schema_)
        for response in op.responses:
            if response.body and response.body.schema_:
                roots.append(response.body.schema_)
        found: set[str] = set()
        pending = roots
        while pending:
            schema = pending.pop()
            if schema.ref is not None:
                if schema.ref in found:
                    continue
                found.add(schema.ref)
                pending.append(self.api.schemas_by_name[schema.ref].schema_)
                continue
            pending.extend(_children(schema))
        return found

    def build(self) -> None:
        for name, cls in self.names.items():
            schema = self.api.schemas_by_name[name].schema_
            self._class(cls, self._module[name], schema, uploads=name in self._uploads)

    def annotation(
        self, schema: Schema, module: str, hint: str, *, uploads: bool = False
    ) -> PyType:
        """A Python type for `schema`, used from `module`; `hint` names inline classes.
        `uploads`: the schema is a multipart body, whose binary fields are files."""
        bare = self._bare(schema, module, hint, uploads=uploads)
        return bare.or_none() if schema.allows_null else bare

    def _bare(self, schema: Schema, module: str, hint: str, *, uploads: bool = False) -> PyType:
        if schema.ref is not None:
            return ClassRef(self.names[schema.ref])
        if schema.enum:
            values = [v for v in schema.enum if v is not None]
            if values and all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
                return LiteralOf(tuple(v for v in values if isinstance(v, str | int)))
        if (
            schema.has_const
            and isinstance(schema.const, str | int)
            and not isinstance(schema.const, bool)
        ):
            return LiteralOf((schema.const,))
        variants = schema.one_of or schema.any_of
        if variants:
            parts = dict.fromkeys(
                self._bare(v, module, f"{hint}Option{i}") for i, v in enumerate(variants, 1)
            )
            return UnionOf(tuple(parts)) if len(parts) > 1 else next(iter(parts))
        if schema.all_of:
            if len(schema.all_of) == 1 and not schema.properties:
                return self._bare(schema.all_of[0], module, hint, uploads=uploads)
            return self._inline(schema, module, hint, uploads=uploads)
        if schema.crossing is not None and schema.crossing.converts:
            return crossing_type(schema)
        kind = schema.primary_type
        if kind is SchemaType.STRING:
            if uploads and is_file(schema):
                return Scalar(UPLOAD)
            if schema.format == "decimal":
                return decimal_text(schema)
            if is_base64(schema):
                spelled = (
                    (positional(schema.format),) if schema.format in ("byte", "base64") else ()
                )
                return WireFormat(_FORMATS["binary"], "Base64Text", spelled)
            if schema.format in ("date", "time", "date-time"):
                return WireFormat(_FORMATS[schema.format], "IsoFormat")
            return _FORMATS.get(schema.format or "", STR)
        if kind is SchemaType.INTEGER:
            return INT
        if kind is SchemaType.NUMBER:
            return _FORMATS["decimal"] if schema.format == "decimal" else FLOAT
        if kind is SchemaType.BOOLEAN:
            return BOOL
        if kind is SchemaType.ARRAY or schema.items is not None:
            if schema.items is None:
                return ListOf(JSON_VALUE)
            item = self._bare(schema.items, module, f"{hint}Item", uploads=uploads)
            # each item held to its own bounds (`items: {maxLength: 30}`)
            bounds = tuple(field_constraints(schema.items))
            return ListOf(Bounded(item, bounds) if bounds else item)
        if schema.properties:
            return self._inline(schema, module, hint, uploads=uploads)
        if isinstance(schema.additional_properties, Schema):
            return DictOf(self._bare(schema.additional_properties, module, f"{hint}Value"))
        if kind is SchemaType.OBJECT:
            return DictOf(JSON_VALUE)
        return JSON_VALUE

    def _inline(self, schema: Schema, module: str, hint: str, *, uploads: bool = False) -> ClassRef:
        name = taken_name(class_name(hint), self._taken, "Schema", {})
        self._class(name, module, schema, uploads=uploads)
        return ClassRef(name)

    def _class(self, name: str, module: str, schema: Schema, *, uploads: bool = False) -> None:
        resolved = self.api.resolve(schema)
        properties = self.api.object_properties(schema)
        is_object = bool(properties) or SchemaType.OBJECT in resolved.types or bool(resolved.all_of)
        if not is_object or resolved.one_of or resolved.any_of:
            root = self._bare(resolved, module, name + "Value")
            variants = resolved.one_of or resolved.any_of
            members = tuple(self.names[v.ref] for v in variants if v.ref is not None)
            self.classes[name] = ClassPlan(
                name=name,
                module=module,
                description=resolved.description,
                fields=(),
                forbid_extra=False,
                root=root,
                # the spec's own bounds of a plain value (a pattern, a length, a range)
                root_constraints=tuple(field_constraints(resolved))
                if root in (STR, INT, FLOAT)
                else (),
                members=members if len(members) == len(variants) else (),
            )
            return
        taken: set[str] = set()
        fields = []
        for prop in properties:
            python = unique(field_name(prop.name), taken)
            prop_schema = prop.schema_
            annotation = self.annotation(
                prop_schema, module, f"{name}{class_name(prop.name)}", uploads=uploads
            )
            if not prop.required:
                annotation = annotation.or_none()
            resolved_prop = self.api.resolve(prop_schema)
            default = "None"
            if resolved_prop.has_default and isinstance(
                resolved_prop.default, str | int | float | bool
            ):
                default = repr(resolved_prop.default)
            fields.append(
                FieldPlan(
                    name=python,
                    wire=prop.name,
                    annotation=annotation,
                    required=prop.required,
                    constraints=()
                    if annotation.mentions(UPLOAD)  # a file has no text bounds
                    else tuple(
                        field_constraints(resolved_prop if prop_schema.ref is None else prop_schema)
                    ),
                    description=(prop_schema.description or None),
                    default=default,
                    read_only=self.api.is_read_only(prop_schema),
                    nullable=prop_schema.allows_null or resolved_prop.allows_null,
                )
            )
        self.classes[name] = ClassPlan(
            name=name,
            module=module,
            description=resolved.description,
            fields=tuple(fields),
            forbid_extra=resolved.additional_properties is False,
        )

    def modules(self) -> dict[str, list[ClassPlan]]:
        grouped: dict[str, list[ClassPlan]] = {}
        for cls in self.classes.values():
            grouped.setdefault(cls.module, []).append(cls)
        return grouped

    def module_of(self, class_name_: str) -> str:
        return self.classes[class_name_].module


def decimal_text(schema: Schema, places: int | None = None) -> WireFormat:
    """The annotation of a decimal sent as a JSON string (app/core/formats.py), held to the
    schema's pattern and lengths, answered with `places` decimals."""
    arguments = [positional(schema.pattern)] if schema.pattern else []
    arguments += _keywords(
        places=places, min_length=schema.min_length, max_length=schema.max_length
    )
    if schema.format != "decimal":
        # the spec says a plain string: so does the document
        arguments.append(Keyword("format", None))
    return WireFormat(_FORMATS["decimal"], "DecimalText", tuple(arguments))


def _keywords(**values: int | None) -> list[Keyword]:
    """Keyword arguments of the values that are set."""
    return [Keyword(key, value) for key, value in values.items() if value is not None]


def crossing_type(schema: Schema) -> PyType:
    """The Python type of a value that crosses to a column of another type (see
    model.wire): what the service is handed, marked with how it travels on the wire."""
    assert schema.crossing is not None
    crossing = schema.crossing.crossing
    if crossing is Crossing.INTEGER_TEXT:
        lengths = _keywords(min_length=schema.min_length, max_length=schema.max_length)
        return WireFormat(INT, "IntegerText", (positional(schema.pattern), *lengths))
    if crossing is Crossing.DECIMAL_TEXT:
        return decimal_text(schema, schema.crossing.places)
    if crossing is Crossing.EPOCH_SECONDS:
        ends = (positional(int(schema.minimum or 0)), positional(int(schema.maximum or 0)))
        return WireFormat(_FORMATS["date-time"], "EpochSeconds", ends)
    if crossing is Crossing.STORED_AS_TEXT:
        return WireFormat(_FORMATS[schema.format or ""], "StoredAsText")
    if schema.crossing.text_form:  # a time of day in the form of the spec's pattern
        form = (positional(schema.crossing.text_form), positional(schema.pattern))
        return WireFormat(_FORMATS["time"], "TimeText", form)
    if schema.format in ("date", "time", "date-time"):  # UUID_TEXT, ISO_TEXT: by their format
        return WireFormat(_FORMATS[schema.format], "IsoFormat")
    return _FORMATS.get(schema.format or "", STR)  # a UUID; CHOICE_TEXT's str


def _answered(op: Operation) -> set[str]:
    """The named schemas `op` answers as a row of its own: its success response's schema, or
    the items of a bare array it answers."""
    success = op.success_response
    root = success.body.schema_ if success and success.body else None
    if root is not None and root.ref is None and root.items is not None:
        root = root.items
    return {root.ref} if root is not None and root.ref is not None else set()


def _refs(schema: Schema) -> set[str]:
    """The named schemas `schema` refers to itself (not those they refer to in turn)."""
    found: set[str] = set()
    pending = list(_children(schema))
    while pending:
        node = pending.pop()
        if node.ref is not None:
            found.add(node.ref)
        else:
            pending.extend(_children(node))
    return found


def _cycle(edges: dict[str, set[str]]) -> set[str]:
    """The modules of an import cycle in `edges`, if there is one."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> set[str]:
        if module in path:
            return set(path[path.index(module) :])
        if module in done:
            return set()
        for target in sorted(edges.get(module, ())):
            if found := visit(target, [*path, module]):
                return found
        done.add(module)
        return set()

    for module in sorted(edges):
        if found := visit(module, []):
            return found
    return set()


def _children(schema: Schema) -> Iterator[Schema]:
    yield from (p.schema_ for p in schema.properties)
    if schema.items is not None:
        yield schema.items
    if isinstance(schema.additional_properties, Schema):
        yield schema.additional_properties
    yield from schema.all_of
    yield from schema.one_of
    yield from schema.any_of


def keeps_pattern(schema: Schema) -> bool:
    """Whether the served document keeps the spec's `pattern` of `schema`: a text held to it
    (a decimal string too), not a value pydantic parses into a date, time or UUID."""
    return (
        bool(schema.pattern)
        and SchemaType.STRING in schema.types
        and (schema.format or "") not in _FORMATS.keys() - {"decimal"}
    )


def field_constraints(schema: Schema) -> Iterator[Keyword]:
    """`Field(...)` keyword arguments holding a value to `schema`'s bounds."""
    if schema.ref is not None or schema.format == "decimal":
        return
    if schema.crossing is not None and (
        schema.crossing.crossing in _MARKED or schema.crossing.text_form
    ):
        return  # its wire format (IntegerText, DecimalText, ...) holds every bound
    text_bounds = (("min_length", schema.min_length), ("max_length", schema.max_length))
    if SchemaType.ARRAY in schema.types:
        text_bounds = (("min_length", schema.min_items), ("max_length", schema.max_items))
    if schema.format in _PARSED and SchemaType.STRING in schema.types:
        # pydantic parses the text into a UUID or a date, which has no length: the spec's
        # lengths are documented, as the served document must keep them
        lengths = {
            ("minLength" if key == "min_length" else "maxLength"): value
            for key, value in text_bounds
            if value is not None
        }
        if lengths:
            yield Keyword("json_schema_extra", lengths)
        return
    for key, value in text_bounds:
        if value is not None:
            yield Keyword(key, value)
    if keeps_pattern(schema) and schema.format != "decimal":  # DecimalText holds its own
        yield Keyword("pattern", schema.pattern)
    kinds = {t for t in schema.types if t is not SchemaType.NULL}
    # numbers' bounds hold a value only a number may be (not `type: [string, integer]`)
    if not kinds or not kinds <= {SchemaType.INTEGER, SchemaType.NUMBER}:
        return
    for key, number in (
        ("ge", schema.minimum),
        ("le", schema.maximum),
        ("gt", schema.exclusive_minimum),
        ("lt", schema.exclusive_maximum),
        ("multiple_of", schema.multiple_of),
    ):
        if number is not None:
            whole = SchemaType.INTEGER in schema.types
            yield Keyword(key, int(number) if whole else Decimal(repr(number)))
    if SchemaType.INTEGER in schema.types and not schema.enum and not schema.has_const:
        yield from integer_range(
            schema.minimum, schema.exclusive_minimum, schema.maximum, schema.exclusive_maximum
        )


# the crossings whose wire format holds the spec's bounds itself
_MARKED = {Crossing.INTEGER_TEXT, Crossing.DECIMAL_TEXT, Crossing.EPOCH_SECONDS}
# formats pydantic parses into a type of their own
_PARSED = {"uuid", "date", "time", "date-time"}


def integer_range(
    minimum: float | None,
    exclusive_minimum: float | None,
    maximum: float | None,
    exclusive_maximum: float | None,
) -> Iterator[Keyword]:
    """The 64-bit bounds an integer has where the spec sets none: the widest integer a
    database column holds, so a larger one is a 422 rather than an overflow inside it."""
    if minimum is None and exclusive_minimum is None:
        yield Keyword("ge", -(2**63), implied=True)
    if maximum is None and exclusive_maximum is None:
        yield Keyword("le", 2**63 - 1, implied=True)
