"""grader.record: the small dataclass replacement every model class uses."""

import pickle

import pytest

from grader.record import FrozenInstanceError, field, fields, record


@record
class Point:
    x: int
    y: int = 0
    tags: tuple = ()

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


@record(frozen=False)
class Bag:
    name: str
    items: list = field(default_factory=list)
    cache: dict | None = field(default=None, repr=False)


def test_init_positional_keyword_and_defaults():
    assert Point(1) == Point(x=1, y=0, tags=())
    p = Point(3, y=-4)
    assert (p.x, p.y, p.norm1) == (3, -4, 7)
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, 2, (), 4)
    with pytest.raises(TypeError):
        Point(1, z=2)


def test_frozen_records_refuse_changes_and_hash_by_value():
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        p.x = 5
    with pytest.raises(AttributeError):
        del p.y
    assert p.x == 1
    assert hash(p) == hash(Point(1, 2))
    assert len({p, Point(1, 2), Point(2, 1)}) == 2
    assert p != Point(2, 1)
    assert p != (1, 2, ())


def test_mutable_records_get_a_fresh_default_each_and_are_unhashable():
    a, b = Bag("a"), Bag("b")
    a.items.append(1)
    assert b.items == [] and a.items == [1]
    a.name = "renamed"
    assert a.name == "renamed"
    with pytest.raises(TypeError):
        hash(a)
    assert Bag("x", [1]) == Bag("x", [1]) and Bag("x", [1]) != Bag("x", [2])


def test_repr_hides_fields_marked_repr_false_and_fields_lists_names():
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"
    assert repr(Bag("a", cache={"k": 1})) == "Bag(name='a', items=[])"
    assert fields(Point) == ("x", "y", "tags") and fields(Bag("a")) == ("name", "items", "cache")
    assert Point.__match_args__ == ("x", "y", "tags")


def test_records_pickle_round_trip():
    p = Point(1, 2, ("a",))
    assert pickle.loads(pickle.dumps(p)) == p
    b = Bag("a", [1, 2])
    assert pickle.loads(pickle.dumps(b)) == b


def test_a_required_field_after_a_default_is_refused():
    with pytest.raises(TypeError):
        @record
        class Bad:
            a: int = 1
            b: int

    with pytest.raises(ValueError):
        field(default=1, default_factory=list)
