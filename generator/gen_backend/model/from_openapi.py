"""OpenApiDocument -> ApiModel (the contract as the spec states it, before handoff intent)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import JsonValue, ValidationError

from gen_backend.load.openapi import Located, OpenApiDocument
from gen_backend.load.raw import RawOperationIntent
from gen_backend.load.source import pointer
from gen_backend.model.api import (
    ApiModel,
    Body,
    Discriminator,
    HttpMethod,
    JsonScalar,
    Link,
    NamedSchema,
    Operation,
    Parameter,
    ParameterLocation,
    Property,
    RequestBody,
    Response,
    Schema,
    SchemaType,
    SecurityRequirement,
    SecurityScheme,
    SecuritySchemeKind,
)

_METHODS = [m.value for m in HttpMethod]


@dataclass(frozen=True)
class SpecOperation:
    """An operation as the spec states it, with its x- design intent kept beside it."""

    operation: Operation
    intent: RawOperationIntent
    global_security: bool  # security comes from the document's top level


@dataclass(frozen=True)
class ParsedApi:
    api: ApiModel
    operations: tuple[SpecOperation, ...]


@dataclass
class _Reader:
    document: OpenApiDocument
    names: dict[tuple[Path, str], str] = field(default_factory=dict)
    schemas: dict[str, NamedSchema] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def _where(self, node: Located) -> str:
        """`file#/pointer`, the file named relative to the root document's folder."""
        root = self.document.root.path.resolve().parent
        try:
            name = node.file.path.resolve().relative_to(root).as_posix()
        except ValueError:
            name = node.file.path.name
        return f"{name}#{node.at}"

    # ---- schemas ------------------------------------------------------------------------------

    def schema(self, node: Located) -> Schema:
        value = node.value
        if isinstance(value, bool) or value is None:  # 3.1 allows `true` / `false` schemas
            return Schema()
        if not isinstance(value, Mapping):
            raise node.error("a schema must be a mapping", "write the schema as `type: ...`")
        if isinstance(value.get("$ref"), str):
            return Schema(ref=self.named(self.document.target(node)))
        return self._inline(node, value)

    def named(self, target: Located) -> str:
        key = (target.file.path, target.at)
        if key in self.names:
            return self.names[key]
        name = self._fresh_name(target)
        self.names[key] = name
        self.in_progress.add(name)
        parsed = self.schema(target)
        self.schemas[name] = NamedSchema(name=name, pointer=self._where(target), schema_=parsed)
        self.in_progress.discard(name)
        return name

    def _fresh_name(self, target: Located) -> str:
        tokens = [t for t in target.at.split("/") if t]
        base = tokens[-1] if tokens else target.file.path.stem
        base = base.replace("~1", "/").replace("~0", "~")
        taken = set(self.names.values())
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        return name

    def _inline(self, node: Located, value: Mapping[str, JsonValue]) -> Schema:
        raw_type = value.get("type")
        types: list[SchemaType] = []
        for t in raw_type if isinstance(raw_type, list) else [raw_type] if raw_type else []:
            if isinstance(t, str) and t in SchemaType.__members__.values():
                types.append(SchemaType(t))
        minimum = _number(value.get("minimum"))
        maximum = _number(value.get("maximum"))
        exclusive_minimum = _number(value.get("exclusiveMinimum"))
        exclusive_maximum = _number(value.get("exclusiveMaximum"))
        if value.get("exclusiveMinimum") is True:  # 3.0 spelling
            exclusive_minimum, minimum = minimum, None
        if value.get("exclusiveMaximum") is True:
            exclusive_maximum, maximum = maximum, None
        required = set(_strings(value.get("required")))
        properties_node = node.child("properties")
        properties = (
            tuple(
                Property(
                    name=name,
                    schema_=self.schema(properties_node.child(name)),
                    required=name in required,
                )
                for name in (properties_node.value or {})
            )
            if isinstance(properties_node.value, Mapping)
            else ()
        )
        additional = value.get("additionalProperties")
        additional_properties: bool | Schema | None = (
            additional
            if isinstance(additional, bool)
            else self.schema(node.child("additionalProperties"))
            if isinstance(additional, Mapping)
            else None
        )
        items = (
            self.schema(node.child("items")) if isinstance(value.get("items"), Mapping) else None
        )
        enum = value.get("enum")
        return Schema(
            source=self._where(node),
            types=tuple(types),
            nullable=value.get("nullable") is True or value.get("x-nullable") is True,
            format=_str(value.get("format")),
            content_media_type=_str(value.get("contentMediaType")),
            content_encoding=_str(value.get("contentEncoding")),
            title=_str(value.get("title")),
            description=_str(value.get("description")),
            enum=tuple(_scalar(v) for v in enum) if isinstance(enum, list) else None,
            const=_scalar(value.get("const")),
            has_const="const" in value,
            default=value.get("default"),
            has_default="default" in value,
            min_length=_int(value.get("minLength")),
            max_length=_int(value.get("maxLength")),
            pattern=_str(value.get("pattern")),
            minimum=minimum,
            maximum=maximum,
            exclusive_minimum=exclusive_minimum,
            exclusive_maximum=exclusive_maximum,
            multiple_of=_number(value.get("multipleOf")),
            min_items=_int(value.get("minItems")),
            max_items=_int(value.get("maxItems")),
            unique_items=value.get("uniqueItems") is True,
            properties=properties,
            additional_properties=additional_properties,
            items=items,
            all_of=self._schemas(node.child("allOf")),
            one_of=self._schemas(node.child("oneOf")),
            any_of=self._schemas(node.child("anyOf")),
            discriminator=self._discriminator(node.child("discriminator")),
            read_only=value.get("readOnly") is True,
            write_only=value.get("writeOnly") is True,
            deprecated=value.get("deprecated") is True,
        )

    def _schemas(self, node: Located) -> tuple[Schema, ...]:
        if not isinstance(node.value, list):
            return ()
        return tuple(self.schema(node.child(i)) for i in range(len(node.value)))

    def _discriminator(self, node: Located) -> Discriminator | None:
        value = node.value
        if not isinstance(value, Mapping) or not isinstance(value.get("propertyName"), str):
            return None
        mapping = value.get("mapping")
        pairs: list[tuple[str, str]] = []
        if isinstance(mapping, Mapping):
            for key, ref in mapping.items():
                if isinstance(ref, str):
                    target = (
                        ref
                        if "#" in ref or ref.endswith((".yaml", ".yml", ".json"))
                        else f"#/components/schemas/{ref}"
                    )
                    located = Located(node.file, node.at, {"$ref": target})
                    pairs.append((key, self.named(self.document.target(located))))
        return Discriminator(property_name=str(value["propertyName"]), mapping=tuple(pairs))

    # ---- operations ---------------------------------------------------------------------------

    def operations(self) -> tuple[SpecOperation, ...]:
        top = self.document.top
        paths = top.child("paths")
        global_security = top.child("security").value
        found: list[SpecOperation] = []
        used_ids: set[str] = set()
        for path in paths.value if isinstance(paths.value, Mapping) else {}:
            item = self.document.follow(paths.child(path))
            shared = self._parameters(item.child("parameters"))
            methods = item.value if isinstance(item.value, Mapping) else {}
            for method in (m for m in methods if m in _METHODS):  # in the spec's own order
                op_node = item.child(method)
                if isinstance(op_node.value, Mapping):
                    found.append(
                        self._operation(
                            path, HttpMethod(method), op_node, shared, global_security, used_ids
                        )
                    )
        return tuple(found)

    def _operation(
        self,
        path: str,
        method: HttpMethod,
        node: Located,
        shared: tuple[Parameter, ...],
        global_security: JsonValue,
        used_ids: set[str],
    ) -> SpecOperation:
        value = node.value
        assert isinstance(value, Mapping)
        own = self._parameters(node.child("parameters"))
        own_keys = {(p.name, p.location) for p in own}
        parameters = tuple(p for p in shared if (p.name, p.location) not in own_keys) + own
        # a path parameter declared nowhere (an invalid spec read with --lenient, which
        # reports it): text, as the path template gives it
        declared = {p.name for p in parameters if p.location is ParameterLocation.PATH}
        parameters += tuple(
            Parameter(
                name=name,
                pointer=node.at,
                location=ParameterLocation.PATH,
                required=True,
                schema_=Schema(types=(SchemaType.STRING,)),
            )
            for name in dict.fromkeys(re.findall(r"{([^{}]+)}", path))
            if name not in declared
        )
        operation_id = _str(value.get("operationId"))
        derived = operation_id is None
        if operation_id is None:
            operation_id = derive_operation_id(method, path)
        while operation_id in used_ids:
            operation_id += "_"
        used_ids.add(operation_id)
        security_value = value.get("security", global_security)
        operation = Operation(
            operation_id=operation_id,
            operation_id_derived=derived,
            method=method,
            path=path,
            pointer=pointer("paths", path, method.value),
            summary=_str(value.get("summary")),
            description=_str(value.get("description")),
            tags=tuple(_strings(value.get("tags"))),
            deprecated=value.get("deprecated") is True,
            parameters=parameters,
            request_body=self._request_body(node.child("requestBody")),
            responses=self._responses(node.child("responses")),
            security=_security(security_value),
            public=isinstance(value.get("security"), list) and not value["security"],
        )
        return SpecOperation(
            operation=operation,
            intent=self._intent(node),
            global_security="security" not in value,
        )

    def _intent(self, node: Located) -> RawOperationIntent:
        value = node.value
        assert isinstance(value, Mapping)
        fields = {
            key[2:].replace("-", "_"): value[key]
            for key in (
                "x-fr-id",
                "x-table",
                "x-kind",
                "x-lookup",
                "x-permissions",
                "x-idempotent",
                "x-filters",
            )
            if key in value
        }
        try:
            return RawOperationIntent.model_validate(fields)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = [str(p) for p in error["loc"]]
            key = "x-" + loc[0].replace("_", "-") if loc else "x-"
            raise node.file.error(
                node.at + pointer(key, *loc[1:]),
                f"`{key}`: {error['msg']}",
                "see docs/handoff.md for the x- extensions",
            ) from None

    def _parameters(self, node: Located) -> tuple[Parameter, ...]:
        if not isinstance(node.value, list):
            return ()
        parameters = []
        for index in range(len(node.value)):
            located = self.document.follow(node.child(index))
            value = located.value
            if not isinstance(value, Mapping):
                continue
            location = str(value.get("in", ""))
            if location not in ParameterLocation.__members__.values():
                raise located.error(
                    f"parameter `in: {location}` is not path, query, header or cookie",
                    "fix the parameter's `in`",
                )
            schema_node = located.child("schema")
            if schema_node.value is None and isinstance(value.get("content"), Mapping):
                content = value["content"]
                assert isinstance(content, Mapping)
                first = next(iter(content), None)
                schema_node = located.child("content", first, "schema") if first else schema_node
            where = located.at if located.file is self.document.root else self._where(located)
            parameters.append(
                Parameter(
                    name=str(value.get("name")),
                    pointer=where,
                    location=ParameterLocation(location),
                    required=value.get("required") is True or location == "path",
                    schema_=self.schema(schema_node) if schema_node.value is not None else Schema(),
                    description=_str(value.get("description")),
                    style=_str(value.get("style")),
                    explode=value.get("explode")
                    if isinstance(value.get("explode"), bool)
                    else None,
                    deprecated=value.get("deprecated") is True,
                )
            )
        return tuple(parameters)

    def _body(self, node: Located) -> Body | None:
        content = node.value
        if not isinstance(content, Mapping) or not content:
            return None
        media_types = [str(m) for m in content]
        chosen = _preferred_media_type(media_types)
        schema_node = node.child(chosen, "schema")
        return Body(
            content_type=chosen,
            schema_=self.schema(schema_node) if schema_node.value is not None else None,
            content_types=tuple(media_types),
        )

    def _request_body(self, node: Located) -> RequestBody | None:
        if node.value is None:
            return None
        located = self.document.follow(node)
        if not isinstance(located.value, Mapping):
            return None
        body = self._body(located.child("content"))
        if body is None:
            return None
        return RequestBody(required=located.value.get("required") is True, body=body)

    def _responses(self, node: Located) -> tuple[Response, ...]:
        if not isinstance(node.value, Mapping):
            return ()
        responses = []
        for status in node.value:
            located = self.document.follow(node.child(status))
            value = located.value
            if not isinstance(value, Mapping):
                continue
            headers = value.get("headers")
            responses.append(
                Response(
                    status=str(status),
                    description=str(value.get("description", "")),
                    body=self._body(located.child("content")),
                    headers=tuple(str(h) for h in headers) if isinstance(headers, Mapping) else (),
                    links=self._links(located.child("links")),
                )
            )
        return tuple(responses)

    def _links(self, node: Located) -> tuple[Link, ...]:
        if not isinstance(node.value, Mapping):
            return ()
        links = []
        for name in node.value:
            value = self.document.follow(node.child(name)).value
            if not isinstance(value, Mapping):
                continue
            parameters = value.get("parameters")
            links.append(
                Link(
                    name=str(name),
                    operation_id=_str(value.get("operationId")),
                    operation_ref=_str(value.get("operationRef")),
                    parameters=tuple((str(k), v) for k, v in parameters.items())
                    if isinstance(parameters, Mapping)
                    else (),
                    request_body=value.get("requestBody"),
                    has_request_body="requestBody" in value,
                    description=_str(value.get("description")),
                )
            )
        return tuple(links)

    def security_schemes(self) -> tuple[SecurityScheme, ...]:
        node = self.document.top.child("components", "securitySchemes")
        schemes = []
        for name in node.value if isinstance(node.value, Mapping) else {}:
            located = self.document.follow(node.child(name))
            value = located.value
            if not isinstance(value, Mapping):
                continue
            kind = str(value.get("type"))
            if kind not in SecuritySchemeKind.__members__.values():
                continue
            schemes.append(
                SecurityScheme(
                    name=name,
                    kind=SecuritySchemeKind(kind),
                    scheme=_str(value.get("scheme")),
                    bearer_format=_str(value.get("bearerFormat")),
                    location=_str(value.get("in")),
                    parameter_name=_str(value.get("name")),
                )
            )
        return tuple(schemes)


def read_api(document: OpenApiDocument) -> ParsedApi:
    reader = _Reader(document)
    top = document.top
    components = top.child("components", "schemas")
    for name in components.value if isinstance(components.value, Mapping) else {}:
        reader.named(components.child(name))  # every component, used or not, in spec order
    operations = reader.operations()
    info = top.child("info").value
    info = info if isinstance(info, Mapping) else {}
    servers = top.child("servers").value
    api = ApiModel(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        openapi_version=str(top.child("openapi").value),
        servers=tuple(str(s.get("url")) for s in servers if isinstance(s, Mapping))
        if isinstance(servers, list)
        else (),
        schemas=tuple(reader.schemas.values()),
        operations=tuple(op.operation for op in operations),
        security_schemes=reader.security_schemes(),
    )
    return ParsedApi(api=api, operations=operations)


def derive_operation_id(method: HttpMethod, path: str) -> str:
    """`GET /books/{bookId}` -> `get_books_by_bookId`: readable and stable for one path."""
    words = [method.value]
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            words.append("by_" + segment[1:-1])
        elif segment:
            words.append(segment)
    name = re.sub(r"\W+", "_", "_".join(words)).strip("_")
    return name + "_" if keyword.iskeyword(name) else name


def _preferred_media_type(media_types: list[str]) -> str:
    for candidate in media_types:
        if candidate.split(";")[0].strip() == "application/json":
            return candidate
    for candidate in media_types:
        if candidate.split(";")[0].strip().endswith("+json"):
            return candidate
    return media_types[0]


def _security(value: JsonValue) -> tuple[SecurityRequirement, ...]:
    if not isinstance(value, list):
        return ()
    requirements = []
    for alternative in value:
        if isinstance(alternative, Mapping) and alternative:
            requirements.append(
                SecurityRequirement(
                    schemes=tuple(
                        (str(name), tuple(_strings(scopes))) for name, scopes in alternative.items()
                    )
                )
            )
    return tuple(requirements)


def _str(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: JsonValue) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _int(value: JsonValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: JsonValue) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _scalar(value: JsonValue) -> JsonScalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
