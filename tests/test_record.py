"""Records behave as the frozen dataclasses they replace: fields in order with defaults,
value equality and hashing, no assignment, pickling, ``replace``."""

from __future__ import annotations

import pickle

import pytest

from reference_impl.record import FrozenRecordError, field, fields, record, replace


@record
class Plain:
    name: str
    count: int = 0
    notes: dict[str, str] = field(default_factory=dict)


@record(slots=True)
class Slotted:
    name: str
    weak: bool = False


@record
class Child(Plain):
    extra: tuple[int, ...] = ()


@pytest.mark.parametrize("kind", [Plain, Slotted])
def test_fields_are_set_in_order_by_position_or_name(kind: type) -> None:
    assert kind("a") == kind(name="a")
    assert fields(kind) == fields(kind("a"))
    assert kind("a").name == "a"


def test_a_default_factory_makes_a_new_value_for_each_instance() -> None:
    assert Plain("a").notes == {} and Plain("a").notes is not Plain("a").notes


def test_a_subclass_extends_its_base_fields() -> None:
    assert fields(Child) == ("name", "count", "notes", "extra")
    assert Child("a", 1, {}, (2,)).extra == (2,)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Slotted("a", True, 3),
        lambda: Slotted(),
        lambda: Plain("a", name="b"),
        lambda: Plain(1, 2, {}, 4),
        lambda: Plain(),
    ],
)
def test_wrong_arguments_are_a_type_error(make: object) -> None:
    with pytest.raises(TypeError):
        make()  # type: ignore[operator]


def test_equality_and_hash_follow_the_fields_and_the_class() -> None:
    assert Slotted("a") == Slotted("a") and hash(Slotted("a")) == hash(Slotted("a"))
    assert Slotted("a") != Slotted("a", True)
    assert Plain("a") != Child("a")
    assert {Slotted("a"), Slotted("a")} == {Slotted("a")}


@pytest.mark.parametrize("value", [Plain("a"), Slotted("a")])
def test_fields_cannot_be_assigned_or_deleted(value: object) -> None:
    with pytest.raises(FrozenRecordError):
        value.name = "b"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del value.name  # type: ignore[attr-defined]


def test_slotted_records_have_no_instance_dict() -> None:
    assert not hasattr(Slotted("a"), "__dict__")


@pytest.mark.parametrize("value", [Plain("a", 2, {"k": "v"}), Slotted("a", True), Child("a")])
def test_records_survive_pickling(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value


def test_repr_names_the_class_and_fields() -> None:
    assert repr(Slotted("a")) == "Slotted(name='a', weak=False)"


def test_replace_changes_only_the_named_fields() -> None:
    assert replace(Slotted("a"), weak=True) == Slotted("a", True)
    with pytest.raises(TypeError):
        replace(Slotted("a"), colour="red")


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="has no default but follows one"):

        @record
        class Broken:
            first: int = 0
            second: int
