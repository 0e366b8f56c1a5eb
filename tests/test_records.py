"""Records behave like the frozen dataclasses they replace."""

from __future__ import annotations

import pickle
from typing import ClassVar

import pytest

from runart_lint.records import (
    FrozenInstanceError,
    dataclass_mirror,
    field,
    fields,
    from_mirror,
    record,
    replace,
)


@record
class Point:
    """A point with a label that does not take part in equality."""

    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    tags: list[str] = field(default_factory=list, compare=False)
    kind: ClassVar[str] = "point"


@record(order=True)
class Version:
    major: int
    minor: int


@record(frozen=False)
class Counter:
    count: int = 0


@record(eq=False)
class Handle:
    name: str


@record
class Normalised:
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.lower())


@record
class Outer:
    """A record holding records, for the pydantic mirror."""

    points: tuple[Point, ...]
    main: Point | None = None


def test_fields_keep_declaration_order_and_skip_class_variables() -> None:
    assert [f.name for f in fields(Point)] == ["x", "y", "label", "tags"]
    assert Point.kind == "point"
    assert Point.__match_args__ == ("x", "y", "label", "tags")


def test_a_frozen_record_refuses_assignment_and_deletion() -> None:
    point = Point(1)

    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.x  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.other = 1  # type: ignore[attr-defined]


def test_equality_and_hash_follow_the_compared_fields() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b")
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != (1, 0)
    assert {Point(1, 2, "a"), Point(1, 2, "b")} == {Point(1, 2)}


def test_defaults_and_factories_give_fresh_values() -> None:
    first, second = Point(1), Point(1)

    first.tags.append("x")

    assert second.tags == []
    assert Point(1).y == 0


def test_ordering_compares_fields_in_order() -> None:
    assert sorted([Version(1, 10), Version(1, 2), Version(0, 99)]) == [
        Version(0, 99),
        Version(1, 2),
        Version(1, 10),
    ]
    with pytest.raises(TypeError):
        assert Version(1, 2) < (1, 3)  # type: ignore[operator]


def test_a_mutable_record_assigns_and_is_not_hashable() -> None:
    counter = Counter()

    counter.count += 1

    assert counter == Counter(1)
    with pytest.raises(TypeError):
        hash(counter)


def test_eq_false_keeps_identity() -> None:
    assert Handle("a") != Handle("a")
    handle = Handle("a")
    assert handle == handle


def test_post_init_runs_after_the_fields_are_set() -> None:
    assert Normalised("MiXeD").name == "mixed"


def test_replace_changes_named_fields_and_refuses_unknown_ones() -> None:
    point = Point(1, 2, "a")

    assert replace(point, y=5) == Point(1, 5)
    assert replace(point, y=5).label == "a"
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(point, z=1)
    with pytest.raises(TypeError, match="not a record"):
        replace(object())


def test_repr_reads_like_a_dataclass() -> None:
    assert repr(Point(1, 2, "a")) == "Point(x=1, y=2, label='a', tags=[])"


def test_a_record_survives_pickling() -> None:
    point = Point(1, 2, "a", ["t"])

    copy = pickle.loads(pickle.dumps(point))

    assert copy == point
    assert copy.label == "a"


def test_the_pydantic_mirror_validates_and_converts_back() -> None:
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(dataclass_mirror(Outer))

    value = from_mirror(
        adapter.validate_python({"points": [{"x": 1}], "main": {"x": 2, "y": 3}})
    )

    assert value == Outer((Point(1),), Point(2, 3))
    assert type(value.points[0]) is Point
    with pytest.raises(ValidationError):
        adapter.validate_python({"points": [{"x": "not a number"}]})


def test_a_mutable_default_is_refused_as_dataclasses_do() -> None:
    with pytest.raises(ValueError, match="default_factory"):

        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012 - the mistake under test
