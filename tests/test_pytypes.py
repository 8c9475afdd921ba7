"""The plan's type algebra: each type writes its source, and answers what the stages ask of
it (its `| None`, its plain form, the classes and wire formats it names) without any reading
back of that source."""

from decimal import Decimal

from gen_backend.plan.pytypes import (
    Bounded,
    ClassRef,
    DictOf,
    JsonLiteral,
    Keyword,
    ListOf,
    LiteralOf,
    Name,
    Optional,
    Scalar,
    UnionOf,
    WireFormat,
    positional,
)

DATE = WireFormat(Scalar("datetime.date"), "IsoFormat")


def test_a_type_writes_its_source() -> None:
    pattern = positional("^[0-9]+$")
    assert str(Optional(ListOf(DATE))) == "list[Annotated[datetime.date, IsoFormat()]] | None"
    assert str(DictOf(Scalar("JsonValue"))) == "dict[str, JsonValue]"
    assert str(LiteralOf(("draft", 2))) == "Literal['draft', 2]"
    assert str(UnionOf((ClassRef("Beverage"), ClassRef("Dessert")))) == "Beverage | Dessert"
    held = Bounded(Scalar("str"), (Keyword("max_length", 30),))
    assert str(held) == "Annotated[str, Field(max_length=30)]"
    text = WireFormat(Scalar("int"), "IntegerText", (pattern, Keyword("max_length", 9)))
    assert str(text) == "Annotated[int, IntegerText('^[0-9]+$', max_length=9)]"


def test_a_type_knows_its_none_its_plain_form_and_what_it_names() -> None:
    book = Optional(ClassRef("Book"))
    assert (book.optional, book.bare, book.class_name) == (True, ClassRef("Book"), "Book")
    assert book.or_none() is book  # never `Book | None | None`
    assert UnionOf((Optional(ClassRef("A")), ClassRef("B"))).optional
    nested = Optional(ListOf(Bounded(DATE, (Keyword("min_length", 1),))))
    assert str(nested.plain) == "list[datetime.date] | None"
    assert nested.formats == {"IsoFormat"}
    pages = DictOf(UnionOf((ClassRef("Page"), ListOf(ClassRef("Book")))))
    assert pages.classes == {"Page", "Book"}
    assert ListOf(ClassRef("Book")).class_name is None  # a list is no class
    assert Optional(DictOf(Scalar("UploadFile"))).mentions("UploadFile")


def test_a_bound_is_a_number_and_the_generators_own_are_marked() -> None:
    spec = Keyword("le", Decimal("99999999.99"))
    widest = Keyword("le", 2**63 - 1, implied=True)
    assert (str(spec), spec.number) == ("le=99999999.99", Decimal("99999999.99"))
    assert (str(widest), widest.number) == ("le=2**63 - 1", Decimal(2**63 - 1))
    assert str(Keyword("ge", -(2**31), implied=True)) == "ge=-(2**31)"
    assert str(Keyword("le", 2**31 - 1)) == "le=2147483647"  # the spec's, as it wrote it
    assert Keyword("pattern", "^a$").number is None
    assert Keyword("convert_underscores", False).number is None  # a bool is no bound
    assert str(Keyword("pattern", Name("KEY_PATTERN"))) == "pattern=KEY_PATTERN"
    assert str(Keyword("json_schema_extra", {"maxLength": 5})) == (
        "json_schema_extra={'maxLength': 5}"
    )


def test_a_request_body_is_its_json_value() -> None:
    body = JsonLiteral({"title": "Dune", "inStock": True, "price": None})
    assert body.is_object
    assert str(body) == "{'title': 'Dune', 'inStock': True, 'price': None}"
    assert not JsonLiteral(["a"]).is_object
