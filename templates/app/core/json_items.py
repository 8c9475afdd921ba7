"""A filter's `contains` on a JSON column holding an array, on PostgreSQL and SQLite alike."""

from sqlalchemy import Boolean
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class HoldsItem(FunctionElement[bool]):
    """`HoldsItem(column, value)`: the JSON array in `column` holds `value` (compared as
    text): a filter's `contains` on a JSON column. A value that is no array holds nothing."""

    type = Boolean()
    inherit_cache = True


@compiles(HoldsItem, "postgresql")
def _holds_item_on_postgresql(element: HoldsItem, compiler: SQLCompiler, **kw: object) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"CASE WHEN json_typeof({column}) = 'array' THEN EXISTS (SELECT 1 FROM "
        f"json_array_elements_text({column}) AS item WHERE item = CAST({value} AS TEXT)) "
        "ELSE false END"
    )


@compiles(HoldsItem, "sqlite")
def _holds_item_on_sqlite(element: HoldsItem, compiler: SQLCompiler, **kw: object) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"(json_type({column}) = 'array' AND EXISTS (SELECT 1 FROM json_each({column}) "
        f"WHERE json_each.value = CAST({value} AS TEXT)))"
    )
