"""One error tree: every exception class of the three packages lives in issuers.errors and
is drawn in its docstring, where it hangs.

The classes are found, not listed: every module of ``issuers``, ``verifiers`` and
``wallet`` is imported (``pkgutil.walk_packages``), then every subclass of
``BaseException`` defined in them is collected. A new exception anywhere, a class the
drawing forgets, a name the drawing keeps after its class is gone, or a class drawn
under the wrong parent each fail here.
"""

from __future__ import annotations

import builtins
import importlib
import pkgutil
import re
from collections.abc import Iterable

import issuers.errors

PACKAGES = ("issuers", "verifiers", "wallet")
ERRORS_MODULE = "issuers.errors"
# Alembic's migration scripts run against alembic's context when imported; they define
# no exceptions and are not importable on their own.
NOT_IMPORTABLE = "migrations"
_NODE = re.compile(r"^(?P<lead>[\s│├└─]*)(?P<name>[A-Za-z_]\w*)")


def _import_everything() -> None:
    for top in PACKAGES:
        package = importlib.import_module(top)
        for module in pkgutil.walk_packages(package.__path__, f"{top}."):
            if NOT_IMPORTABLE not in module.name.split("."):
                importlib.import_module(module.name)


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PACKAGES


def project_exceptions() -> list[type[BaseException]]:
    """Every BaseException subclass defined in the three packages, once they are all
    imported (nested and private classes included)."""
    _import_everything()
    found: list[type[BaseException]] = []
    stack: list[type[BaseException]] = [BaseException]
    seen: set[type[BaseException]] = set()
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if _ours(sub):
                    found.append(sub)
    return found


def drawn_parents(doc: str) -> dict[str, str | None]:
    """``{class name: parent name or None}`` from the literal blocks (after ``::``) of a
    docstring: a node's parent is the nearest line above it that starts further left."""
    drawn: dict[str, str | None] = {}
    in_block = False
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        if line.rstrip().endswith("::"):
            in_block, stack = True, []
            continue
        if in_block and line.strip() and not line.startswith(" "):
            in_block = False
        match = _NODE.match(line) if in_block and line.strip() else None
        if match is None:
            continue
        column, name = len(match["lead"]), match["name"]
        while stack and stack[-1][0] >= column:
            stack.pop()
        drawn[name] = stack[-1][1] if stack else None
        stack.append((column, name))
    return drawn


def tree_problems(
    classes: Iterable[type[BaseException]], doc: str, errors_module: str = ERRORS_MODULE
) -> list[str]:
    """What is wrong between the classes and the drawing; empty when they agree."""
    drawn = drawn_parents(doc)
    problems: list[str] = []
    names: set[str] = set()
    for cls in classes:
        names.add(cls.__name__)
        where = f"{cls.__module__}.{cls.__qualname__}"
        if cls.__module__ != errors_module and not cls.__module__.startswith(f"{errors_module}."):
            problems.append(f"{where} is defined outside {errors_module}")
        if cls.__name__ not in drawn:
            problems.append(f"{where} is not drawn in {errors_module}'s docstring")
            continue
        parent = drawn[cls.__name__]
        bases = [base.__name__ for base in cls.__bases__]
        if parent is not None and parent not in bases:
            problems.append(f"{where} is drawn under {parent}, but its bases are {bases}")
    for name in drawn:
        builtin = getattr(builtins, name, None)
        structural = isinstance(builtin, type) and issubclass(builtin, BaseException)
        if name not in names and not structural:
            problems.append(f"the drawing names {name}, which is no exception class of ours")
    return problems


def test_every_exception_lives_in_the_drawn_tree() -> None:
    classes = project_exceptions()
    assert issuers.errors.__doc__ is not None
    assert len(classes) > 40  # the walk really found the tree
    assert tree_problems(classes, issuers.errors.__doc__) == []


def test_the_check_catches_a_stray_an_undrawn_class_a_ghost_and_a_wrong_parent() -> None:
    doc = """Tree::

    Root ...................... root
    ├── Child ................. child
    │   └── Ghost ............. ghost
    └── Misplaced

    Exception
    └── Local

Prose after the drawing.
"""
    # Outside the three packages, so that project_exceptions() never sees these.
    home = "fake.errors"
    root = type("Root", (Exception,), {"__module__": home})
    child = type("Child", (root,), {"__module__": "fake.errors._requests"})
    misplaced = type("Misplaced", (child,), {"__module__": home})
    local = type("Local", (Exception,), {"__module__": home})
    stray = type("Stray", (root,), {"__module__": "fake.somewhere"})
    assert tree_problems([root, child, local], doc.replace("└── Misplaced", ""), home) == [
        "the drawing names Ghost, which is no exception class of ours"
    ]
    assert tree_problems([root, child, misplaced, stray, local], doc, home) == [
        "fake.errors.Misplaced is drawn under Root, but its bases are ['Child']",
        "fake.somewhere.Stray is defined outside fake.errors",
        "fake.somewhere.Stray is not drawn in fake.errors's docstring",
        "the drawing names Ghost, which is no exception class of ours",
    ]
