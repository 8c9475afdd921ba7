"""Planning what a response embeds: related rows named by the table's relationships, loaded
with the rows themselves (a join per many-to-one, one `SELECT ... IN` per one-to-many), so a
list costs the same number of statements for 1 row as for 25."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gen_backend.plan.database import TablePlan
from gen_backend.plan.pytypes import ClassRef, ListOf, PyType
from gen_backend.plan.schemas import ClassPlan


@dataclass(frozen=True)
class LoadPlan:
    """One relationship a response embeds (`Book.author`), and what its rows embed in turn."""

    holder: str  # the ORM class that has the relationship
    relationship: str  # its attribute, which is also the response field's Python name
    many: bool  # one-to-many: a list of rows
    target: str  # the ORM class of the related rows
    nested: tuple[LoadPlan, ...] = ()
    # (wire field of this row, wire field of a related row) that must hold equal values:
    # the foreign key and the key it names, where both responses show them
    pairs: tuple[tuple[str, str], ...] = ()
    field: str = ""  # the response field's wire name

    @property
    def option(self) -> str:
        """The loader option, as source text: a many-to-one joins, a one-to-many is one
        more SELECT ... IN over the page's keys (a join would repeat each row per child)."""
        loader = "selectinload" if self.many else "joinedload"
        text = f"{loader}({row_alias(self.holder)}.{self.relationship})"
        if self.nested:
            text += f".options({', '.join(n.option for n in self.nested)})"
        return text

    @property
    def classes(self) -> tuple[str, ...]:
        """The ORM classes the option names, its own target and its nested ones'."""
        return (self.target, *(found for n in self.nested for found in n.classes))


def row_alias(class_name: str) -> str:
    """How a service module imports an ORM class (`Book as BookRow`): the API schema of the
    same name keeps the plain one."""
    return f"{class_name}Row"


@dataclass(frozen=True)
class Embedding:
    """What a response class needs beyond its table's columns: the relationships to load,
    or why the generated service cannot fill it."""

    loads: tuple[LoadPlan, ...] = ()
    computed: tuple[str, ...] = ()  # required fields (wire paths) that nothing holds
    mismatched: tuple[str, ...] = ()  # fields named after a relationship but not its rows

    @property
    def why_not(self) -> str | None:
        if self.mismatched:
            return (
                f"the response's {', '.join(self.mismatched)} is named after a relationship "
                "but does not fit its rows (shape, nullability, or it embeds itself)"
            )
        if self.computed:
            return f"the response needs {', '.join(self.computed)}, which no column holds"
        return None


def plan_embedding(
    response: ClassPlan,
    table: TablePlan,
    classes: Mapping[str, ClassPlan],
    tables: Mapping[str, TablePlan],
) -> Embedding:
    """Match the fields of `response` (one row of `table`) with the table's columns and its
    relationships, recursively. `tables` is by ORM class name."""
    return _embedding(response, table, classes, tables, prefix="", seen=frozenset())


def _embedding(
    response: ClassPlan,
    table: TablePlan,
    classes: Mapping[str, ClassPlan],
    tables: Mapping[str, TablePlan],
    *,
    prefix: str,
    seen: frozenset[str],
) -> Embedding:
    columns = {c.attr for c in table.columns} | {name for name, _ in table.synonyms}
    relationships = {r.name: r for r in table.relationships}
    loads: list[LoadPlan] = []
    computed: list[str] = []
    mismatched: list[str] = []
    for field_plan in response.fields:
        if field_plan.name in columns:
            continue
        wire = prefix + field_plan.wire
        annotation = field_plan.annotation
        group = None
        if field_plan.name in table.groups and isinstance(annotation, ClassRef):
            group = classes.get(annotation.name)
        if group is not None:  # the row's own columns, as one object
            inner = _embedding(group, table, classes, tables, prefix=f"{wire}.", seen=seen)
            computed += inner.computed
            mismatched += inner.mismatched
            loads += inner.loads
            continue
        relationship = relationships.get(field_plan.name)
        if relationship is None:
            if field_plan.required:
                computed.append(wire)
            continue  # an optional field no row holds stays unset
        # a class already embedded on this path (in `seen`) would embed itself without end
        embedded = _embedded_class(field_plan.annotation, many=relationship.many)
        target = tables.get(relationship.target_class)
        nested_class = classes.get(embedded or "")
        # a NULL foreign key leaves a many-to-one empty: the field must allow it
        empty_allowed = relationship.many or not relationship.nullable
        empty_allowed = empty_allowed or field_plan.annotation.optional
        if (
            target is None
            or nested_class is None
            or nested_class.root is not None
            or nested_class.name in seen
            or not empty_allowed
        ):
            mismatched.append(wire)
            continue
        nested = _embedding(
            nested_class,
            target,
            classes,
            tables,
            prefix=f"{wire}.",
            seen=seen | {response.name},
        )
        computed += nested.computed
        mismatched += nested.mismatched
        here = {f.name: f.wire for f in response.fields}
        there = {f.name: f.wire for f in nested_class.fields}
        loads.append(
            LoadPlan(
                holder=table.class_name,
                relationship=relationship.name,
                many=relationship.many,
                target=relationship.target_class,
                nested=nested.loads,
                pairs=tuple(
                    (here[mine], there[theirs])
                    for mine, theirs in relationship.pairs
                    if mine in here and theirs in there
                ),
                field=field_plan.wire,
            )
        )
    return Embedding(tuple(loads), tuple(computed), tuple(mismatched))


def _embedded_class(annotation: PyType, *, many: bool) -> str | None:
    """The class a field's annotation embeds (`Author`, `Author | None`, `list[Book]`), if
    its shape is the relationship's: one row for a many-to-one, a list for a one-to-many."""
    bare = annotation.bare
    if many:
        if not isinstance(bare, ListOf):
            return None
        bare = bare.inner
    return bare.name if isinstance(bare, ClassRef) else None
