"""Small value classes: ``@record`` for frozen ones, ``@record(frozen=False)`` for builders.

The standard library's ``dataclasses`` costs about 15 ms to import (it pulls in ``inspect``)
and about 0.5 ms per class, which is a sixth of a learner's whole run. This decorator keeps the
part of dataclasses we use — fields declared by annotation, defaults, ``field(default_factory=…,
repr=False)``, a keyword/positional ``__init__``, ``__repr__``, ``__eq__``, hashing and
immutability for frozen records — and generates only ``__init__`` (one small ``exec``).
"""

from __future__ import annotations

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class _Field:
    __slots__ = ("default", "factory", "repr")

    def __init__(self, default, factory, repr):
        self.default, self.factory, self.repr = default, factory, repr


def field(*, default=_MISSING, default_factory=None, repr: bool = True):
    """A field with a default value, a default factory (called per instance), or hidden from repr."""
    if default is not _MISSING and default_factory is not None:
        raise ValueError("field() takes a default or a default_factory, not both")
    return _Field(default, default_factory, repr)


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def _repr(self) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record_repr__)
    return f"{type(self).__qualname__}({inner})"


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return all(getattr(self, n) == getattr(other, n) for n in self.__record_fields__)


def _hash(self) -> int:
    return hash(tuple(getattr(self, n) for n in self.__record_fields__))


def _build(cls, frozen: bool):
    names = tuple(n for n, ann in cls.__dict__.get("__annotations__", {}).items()
                  if not str(ann).startswith(("ClassVar", "typing.ClassVar")))
    params, body, env = [], [], {"_MISSING": _MISSING}
    shown = []
    seen_default = False
    for name in names:
        spec = cls.__dict__.get(name, _MISSING)
        factory = None
        show = True
        if isinstance(spec, _Field):
            show = spec.repr
            factory = spec.factory
            spec = spec.default
            if factory is None and spec is not _MISSING:
                setattr(cls, name, spec)
            elif name in cls.__dict__:
                delattr(cls, name)
        if show:
            shown.append(name)
        if factory is not None:
            env[f"_f_{name}"] = factory
            params.append(f"{name}=_MISSING")
            body.append(f"    d[{name!r}] = _f_{name}() if {name} is _MISSING else {name}")
            seen_default = True
            continue
        if spec is _MISSING:
            if seen_default:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
            params.append(name)
        else:
            env[f"_d_{name}"] = spec
            params.append(f"{name}=_d_{name}")
            seen_default = True
        body.append(f"    d[{name!r}] = {name}")
    src = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__\n" + ("\n".join(body) or "    pass")
    if not names:
        src = "def __init__(self):\n    pass"
    exec(src, env)  # noqa: S102 - our own field names, checked to be identifiers by the class body
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    cls.__record_fields__ = names
    cls.__record_repr__ = tuple(shown)
    cls.__match_args__ = names
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = _eq
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
        if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
            cls.__hash__ = _hash
    elif "__hash__" not in cls.__dict__:
        cls.__hash__ = None  # mutable and compared by value, like a dataclass
    return cls


def record(cls=None, /, *, frozen: bool = True):
    """Class decorator: ``@record`` (frozen) or ``@record(frozen=False)``."""
    if cls is None:
        return lambda c: _build(c, frozen)
    return _build(cls, frozen)


def fields(obj) -> tuple[str, ...]:
    """The field names of a record (class or instance), in declaration order."""
    return obj.__record_fields__
