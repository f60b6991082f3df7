"""The app's WTForms form classes: their fields, text fields, length limits, and the routes using them."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from dataclasses import dataclass
from functools import lru_cache

from wtforms import Form
from wtforms.fields import (FieldList, FormField, HiddenField, PasswordField, StringField,
                            TextAreaField)
from wtforms.fields.core import UnboundField
from wtforms.validators import Length


@dataclass(frozen=True)
class FormField_:
    """One field of a form class as it is named in a request (rows as `rows-0-name`)."""

    name: str
    field_class: type
    max_length: int | None

    @property
    def is_text(self) -> bool:
        """A field a person types free text into (StringField / TextAreaField and kin)."""
        return (issubclass(self.field_class, (StringField, TextAreaField))
                and not issubclass(self.field_class, (HiddenField, PasswordField)))


@lru_cache(maxsize=None)
def form_classes() -> tuple[type, ...]:
    """Every form class defined in the app (FlaskForm and plain rows), found by import walk."""
    import association_tool

    for module in pkgutil.walk_packages(association_tool.__path__, "association_tool."):
        importlib.import_module(module.name)
    from association_tool.forms import AppForm

    found, stack = [], list(Form.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("association_tool.") and cls is not AppForm:
            found.append(cls)  # the app's base form has no fields of its own
    return tuple(sorted(set(found), key=lambda c: (c.__module__, c.__name__)))


def _unbound(cls) -> list[tuple[str, UnboundField]]:
    fields = []
    for name in dir(cls):
        value = getattr(cls, name, None)
        if isinstance(value, UnboundField) and not name.startswith("_"):
            fields.append((name, value))
    return fields


def _max_length(unbound: UnboundField) -> int | None:
    limits = [v.max for v in unbound.kwargs.get("validators") or []
              if isinstance(v, Length) and v.max and v.max > 0]
    return min(limits) if limits else None


def fields_of(cls, prefix: str = "") -> list[FormField_]:
    """The request field names of a form class, rows of a FieldList as `name-0-field`."""
    result = []
    for name, unbound in _unbound(cls):
        if issubclass(unbound.field_class, FieldList):
            inner = unbound.args[0] if unbound.args else unbound.kwargs.get("unbound_field")
            if isinstance(inner, UnboundField) and issubclass(inner.field_class, FormField):
                result += fields_of(inner.args[0], f"{prefix}{name}-0-")
            elif isinstance(inner, UnboundField):
                result.append(FormField_(f"{prefix}{name}-0", inner.field_class, _max_length(inner)))
        elif issubclass(unbound.field_class, FormField):
            result += fields_of(unbound.args[0], f"{prefix}{name}-")
        else:
            result.append(FormField_(prefix + name, unbound.field_class, _max_length(unbound)))
    return result


def text_fields() -> dict[str, list[str]]:
    """{form class name: [text field names]} for every form with a text field."""
    table = {}
    for cls in form_classes():
        names = [f.name for f in fields_of(cls) if f.is_text]
        if names:
            table[f"{cls.__module__.split('.')[1]}.{cls.__name__}"] = names
    return table


def base_name(request_name: str) -> str:
    """`participants-3-concerns` and `line7-purpose` -> `concerns`, `purpose`."""
    return request_name.rsplit("-", 1)[-1]


@lru_cache(maxsize=None)
def length_limits() -> dict[str, int]:
    """The smallest Length(max=) of each field name over all forms (a safe typing limit)."""
    limits = {}
    for cls in form_classes():
        for f in fields_of(cls):
            if f.max_length:
                key = base_name(f.name)
                limits[key] = min(limits.get(key, f.max_length), f.max_length)
    return limits


# --- which routes use which form ----------------------------------------------------------------

def _names_used(function) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


def forms_of_view(view, depth: int = 3) -> set[type]:
    """Form classes a view builds, directly or through helpers of the app (a few calls deep)."""
    function = inspect.unwrap(view)
    found, seen, todo = set(), set(), [(function, 0)]
    classes = set(form_classes())
    while todo:
        current, level = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        scope = getattr(current, "__globals__", {})
        for name in _names_used(current):
            value = scope.get(name)
            if isinstance(value, type) and value in classes:
                found.add(value)
            elif (inspect.isfunction(value) and level < depth
                  and value.__module__.startswith("association_tool.")):
                todo.append((value, level + 1))
    return found
