"""The OpenAPI links a route serves on its success response: the spec's own, kept where the
service serves their target, so that the served document's links (which the generated
stateful contract tests follow) are the spec's.

A link is dropped when its target is not served (out of scope) or cannot be found, and when
it names a parameter the target does not have: schemathesis refuses such a link, and it
could not be followed anyway. A target given by `operationRef` is named by its operationId.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import JsonValue

from gen_backend.model import Link, Operation


def served_links(op: Operation, served: Sequence[Operation]) -> dict[str, JsonValue]:
    """The links of `op`'s success response that lead to an operation in `served`, as the
    served document carries them (name -> link object)."""
    success = op.success_response
    if success is None:
        return {}
    links: dict[str, JsonValue] = {}
    for link in success.links:
        target = _target(link, served)
        if target is None or not all(_has(target, name) for name, _ in link.parameters):
            continue
        served_link: dict[str, JsonValue] = {"operationId": target.operation_id}
        if link.parameters:
            served_link["parameters"] = dict(link.parameters)
        if link.has_request_body:
            served_link["requestBody"] = link.request_body
        if link.description:
            served_link["description"] = link.description
        links[link.name] = served_link
    return links


def _target(link: Link, served: Sequence[Operation]) -> Operation | None:
    if link.operation_id is not None:
        return next((o for o in served if o.operation_id == link.operation_id), None)
    if link.operation_ref is None:
        return None
    # `#/paths/~1pets~1{petId}/get`, in this document or (before the `#`) another file of it
    tokens = link.operation_ref.partition("#")[2].split("/")
    if len(tokens) != 4 or tokens[:2] != ["", "paths"]:
        return None
    path = tokens[2].replace("~1", "/").replace("~0", "~")
    return next((o for o in served if o.path == path and o.method.value == tokens[3]), None)


def _has(target: Operation, parameter: str) -> bool:
    """Whether `target` has the link's parameter: a name, or `path.id`-style with its place."""
    place, _, name = parameter.rpartition(".")
    return any(
        p.name == name and (not place or p.location.value == place) for p in target.parameters
    )
