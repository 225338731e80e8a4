"""Frozen value classes that cost almost nothing to define, for the modules an audit imports.

Why not :mod:`dataclasses`: on Python 3.11 importing it (it imports :mod:`inspect`, which
imports :mod:`ast`, :mod:`dis` and :mod:`tokenize`) and defining the 33 frozen dataclasses a
``perennial audit`` needs took about 70 ms, a third of the wall time of auditing a small
wheel, because each class compiles five generated methods. A record is the part of a frozen
dataclass the reference uses, and compiles nothing unless asked to:

- fields are the class's annotations, in order, with class-level defaults or
  ``field(default_factory=...)``;
- instances compare, hash and print by their fields, and refuse assignment;
- ``@record(slots=True)`` is for classes with many instances (symbols, version needs, the
  facts of each wheel and file, the per-file views and verdicts of a judgement): no
  ``__dict__``, and an ``__init__`` compiled for the class (0.3 ms once, then three times
  faster a call than the generic ``__init__`` the other records share);
- :func:`replace` and :func:`fields` stand in for their :mod:`dataclasses` namesakes.

Modules that an audit does not import (the census, the harness, the site) keep
:mod:`dataclasses`; ``tests/test_boundaries.py`` checks that an audit imports neither it nor
:mod:`typing`.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _T = TypeVar("_T")
    _C = TypeVar("_C", bound=type)
else:

    def dataclass_transform(**_options: object) -> object:
        """mypy reads the real one (records are frozen dataclasses to it); here a no-op."""
        return lambda decorated: decorated


class FrozenRecordError(AttributeError):
    """An attempt to assign or delete a field of a record."""


_MISSING = object()
"""The default of a parameter whose field has a default factory."""


class _Factory:
    """A default made anew for each instance (see :func:`field`)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """A default made anew by ``default_factory()`` for each instance, as in dataclasses."""
    return _Factory(default_factory)  # type: ignore[return-value]


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: _C | None = None, *, slots: bool = False) -> Any:
    """Make ``cls`` a frozen value class over its annotated fields (``@record`` or
    ``@record(slots=True)``)."""

    def make(cls: _C) -> _C:
        names, defaults = _fields_of(cls)
        if slots:
            cls = _without_dict(cls, names)
        methods = {
            "__record_fields__": names,
            "__record_values__": staticmethod(_values_getter(names)),
            "__init__": (_compiled_init if slots else _generic_init)(cls, names, defaults),
            "__eq__": _eq,
            "__hash__": _hash,
            "__repr__": _repr,
            "__setattr__": _refuse,
            "__delattr__": _refuse,
            "__reduce__": _reduce,
        }
        for name, value in methods.items():
            setattr(cls, name, value)
        return cls

    return make if cls is None else make(cls)


def fields(value: object) -> tuple[str, ...]:
    """The field names of a record (or record class), in order; () for anything else."""
    return getattr(value, "__record_fields__", ())


def replace(value: _T, **changes: Any) -> _T:
    """A copy of the record ``value`` with ``changes`` to some of its fields (passed in
    order: a review copies a file's facts and view for each of a census's files)."""
    cls = type(value)
    names = fields(value)
    if not changes.keys() <= set(names):
        unknown = sorted(changes.keys() - set(names))[0]
        raise TypeError(f"{cls.__qualname__}() has no field {unknown!r}")
    current = cls.__record_values__(value)  # type: ignore[attr-defined]
    return cls(*[changes.get(n, v) for n, v in zip(names, current, strict=True)])


def _fields_of(cls: type) -> tuple[tuple[str, ...], dict[str, object]]:
    """The fields of ``cls``: its bases' (records) first, then its own annotations."""
    names: list[str] = []
    defaults: dict[str, object] = {}
    for base in reversed(cls.__mro__[1:]):
        for name in getattr(base, "__record_fields__", ()):
            if name not in names:
                names.append(name)
            if name in base.__dict__:
                defaults[name] = base.__dict__[name]
    own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - inspect is what we avoid
    for name, annotation in own.items():
        if str(annotation).startswith("ClassVar"):
            continue
        if name not in names:
            names.append(name)
        if name in cls.__dict__:
            defaults[name] = cls.__dict__[name]
    return tuple(names), defaults


def _values_getter(names: tuple[str, ...]) -> Callable[[object], Any]:
    """The fields' values as one tuple (attrgetter, in C, gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda value: (get(value),)
    return lambda _: ()


def _without_dict(cls: type, names: tuple[str, ...]) -> Any:
    """``cls`` made again with ``__slots__`` for its fields (defaults move to ``__init__``)."""
    body = {key: value for key, value in cls.__dict__.items() if key not in names}
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    body["__slots__"] = names
    return type(cls)(cls.__name__, cls.__bases__, body)


def _generic_init(cls: type, names: tuple[str, ...], defaults: dict[str, object]) -> Any:
    """An ``__init__`` taking the fields in order or by name, built without compiling."""
    _check_defaults_last(cls, names, defaults)
    label = f"{cls.__qualname__}()"

    def __init__(self: object, *values: object, **named: object) -> None:
        if len(values) > len(names):
            raise TypeError(f"{label} takes {len(names)} fields, {len(values)} were given")
        for name, value in zip(names, values, strict=False):
            _set(self, name, value)
        for name in names[len(values) :]:
            if name in named:
                value = named.pop(name)
            elif name in defaults:
                value = defaults[name]
                value = value.make() if isinstance(value, _Factory) else value
            else:
                raise TypeError(f"{label} is missing the field {name!r}")
            _set(self, name, value)
        if named:
            raise TypeError(f"{label} has no field {next(iter(named))!r} left to set")

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _check_defaults_last(cls: type, names: tuple[str, ...], defaults: dict[str, object]) -> None:
    seen_default = False
    for name in names:
        if name in defaults:
            seen_default = True
        elif seen_default:
            raise TypeError(f"{cls.__qualname__}: field {name!r} has no default but follows one")


_set = object.__setattr__


def _compiled_init(cls: type, names: tuple[str, ...], defaults: dict[str, object]) -> Any:
    """An ``__init__`` taking the fields in order, compiled for this class (the generic one
    would cost every instance of the facts a loop and a dict)."""
    _check_defaults_last(cls, names, defaults)
    scope: dict[str, object] = {"_set": object.__setattr__, "_MISSING": _MISSING}
    params, lines = [], []
    for name in names:
        if name in defaults:
            default = defaults[name]
            if isinstance(default, _Factory):
                scope[f"_make_{name}"] = default.make
                params.append(f"{name}=_MISSING")
                lines.append(f"    if {name} is _MISSING: {name} = _make_{name}()")
            else:
                scope[f"_default_{name}"] = default
                params.append(f"{name}=_default_{name}")
        else:
            params.append(name)
        lines.append(f"    _set(self, {name!r}, {name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines or ["    pass"])
    exec(source, scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    return init


def _eq(self: Any, other: Any) -> object:
    if other.__class__ is self.__class__:
        return bool(self.__record_values__(self) == self.__record_values__(other))
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__record_values__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
    return f"{type(self).__qualname__}({shown})"


def _refuse(self: Any, name: str, *_value: object) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen record")


def _reduce(self: Any) -> tuple[type, tuple[object, ...]]:
    """Pickle by the fields in order (frozen and slotted instances cannot be set attribute
    by attribute when loaded; this also keeps the policy snapshot small)."""
    return type(self), self.__record_values__(self)
