"""The intermediate model: everything the templates need, decided and sorted.

This is the contract between the spec and the templates (built-in or a user's). Names are already
valid Python, types already know how they are written and decoded, and every collection is sorted,
so templates only lay text out and the output is byte-stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PrimitiveName = Literal["str", "int", "float", "bool", "Any"]


def python_string(text: str) -> str:
    """A double-quoted, ASCII-only Python string literal for `text` (safe for any input)."""
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def _natural(text: str) -> tuple[str | int, ...]:
    """Digit runs compare as numbers: `Image24` before `Image192`."""
    return tuple(int(part) if index % 2 else part for index, part in enumerate(re.split(r"(\d+)", text)))


def _kind(name: str) -> int:
    """isort's order of names: CONSTANTS, then Classes, then everything else."""
    if len(name) > 1 and name.isupper():
        return 0
    return 1 if name[:1].isupper() else 2


def import_order(name: str) -> tuple[object, ...]:
    """Where `name` goes in a `from x import (...)` list, as isort and ruff sort it (case-insensitive)."""
    return _kind(name), _natural(name.lower()), _natural(name)


def export_order(name: str) -> tuple[object, ...]:
    """Where `name` goes in `__all__`, as ruff's RUF022 sorts it (case-sensitive)."""
    return _kind(name), _natural(name)


@dataclass(frozen=True)
class Primitive:
    """A JSON scalar, or `Any` for schemas that say nothing about their values."""

    name: PrimitiveName

    @property
    def annotation(self) -> str:
        return self.name

    @property
    def input_annotation(self) -> str:
        return self.name

    @property
    def decoder(self) -> str:
        return {"str": "decode.string", "int": "decode.integer", "float": "decode.number",
                "bool": "decode.boolean", "Any": "decode.anything"}[self.name]


@dataclass(frozen=True)
class ListOf:
    item: Type

    @property
    def annotation(self) -> str:
        return f"list[{self.item.annotation}]"

    @property
    def input_annotation(self) -> str:
        return f"Sequence[{self.item.input_annotation}]"

    @property
    def decoder(self) -> str:
        return f"decode.list_of({self.item.decoder})"


@dataclass(frozen=True)
class MapOf:
    """An object with free-form keys (`additionalProperties` and no `properties`)."""

    value: Type

    @property
    def annotation(self) -> str:
        return f"dict[str, {self.value.annotation}]"

    @property
    def input_annotation(self) -> str:
        return f"Mapping[str, {self.value.input_annotation}]"

    @property
    def decoder(self) -> str:
        return f"decode.map_of({self.value.decoder})"


@dataclass(frozen=True)
class ModelRef:
    """A generated dataclass; callers may also pass a plain mapping of its wire fields."""

    name: str

    @property
    def annotation(self) -> str:
        return self.name

    @property
    def input_annotation(self) -> str:
        return f"{self.name} | Mapping[str, Any]"

    @property
    def decoder(self) -> str:
        return f"{self.name}.decode"


@dataclass(frozen=True)
class EnumRef:
    """A string enum; values the spec does not list decode to plain `str`, never an error."""

    name: str

    @property
    def annotation(self) -> str:
        return f"{self.name} | str"

    @property
    def input_annotation(self) -> str:
        return f"{self.name} | str"

    @property
    def decoder(self) -> str:
        return f"decode.enum({self.name})"


@dataclass(frozen=True)
class UnionOf:
    """`oneOf`/`anyOf` of differently shaped schemas; decoding tries each option in order."""

    options: tuple[Type, ...]

    @property
    def annotation(self) -> str:
        return _union(option.annotation for option in self.options)

    @property
    def input_annotation(self) -> str:
        return _union(option.input_annotation for option in self.options)

    @property
    def decoder(self) -> str:
        return f"decode.one_of({', '.join(option.decoder for option in self.options)})"


Type = Primitive | ListOf | MapOf | ModelRef | EnumRef | UnionOf


def _union(annotations: Iterable[str]) -> str:
    """`A | B` from members that may be unions themselves (an enum is `Name | str`), each member
    once: `Before | str | str` is a lint error in the generated code."""
    members: list[str] = []
    for annotation in annotations:
        depth, start = 0, 0
        for index, char in enumerate(annotation):
            depth += (char == "[") - (char == "]")
            if depth == 0 and annotation.startswith(" | ", index):
                members.append(annotation[start:index])
                start = index + 3
        members.append(annotation[start:])
    return " | ".join(dict.fromkeys(members))


@dataclass(frozen=True)
class Field:
    """A property of a model."""

    name: str  # Python attribute name
    wire_name: str  # key in the JSON object
    type: Type
    required: bool
    nullable: bool
    description: str

    @property
    def annotation(self) -> str:
        optional = self.nullable or not self.required
        return f"{self.type.annotation} | None" if optional else self.type.annotation

    @property
    def renamed(self) -> bool:
        return self.name != self.wire_name

    @property
    def default_expression(self) -> str:
        """What follows the annotation: nothing, ` = None`, or a `field(...)` keeping the wire name."""
        if not self.renamed:
            return "" if self.required else " = None"
        metadata = f'metadata={{"wire": {python_string(self.wire_name)}}}'
        return f" = field({metadata})" if self.required else f" = field(default=None, {metadata})"

    @property
    def decode_function(self) -> str:
        """`required` raises on a missing value; `optional` (also for nullable fields) gives None."""
        return "required" if self.required and not self.nullable else "optional"


@dataclass(frozen=True)
class Model:
    """A generated dataclass for an object schema."""

    name: str
    description: str
    fields: tuple[Field, ...]  # required fields first, then by name
    source: str  # JSON pointer of the schema it was built from
    is_response: bool  # returned by a method, so it also carries HTTP status and headers
    constraints: tuple[str, ...] = ()  # alternatives such as "slack_id", "external_id + display_name"

    @property
    def has_renamed_fields(self) -> bool:
        return any(f.renamed for f in self.fields)


@dataclass(frozen=True)
class EnumValue:
    name: str  # Python member name
    value: str


@dataclass(frozen=True)
class Enum:
    name: str
    description: str
    values: tuple[EnumValue, ...]
    source: str


Location = Literal["query", "body"]


@dataclass(frozen=True)
class Parameter:
    """An argument of a method, sent as a query field (GET) or a body field (POST)."""

    name: str  # Python keyword argument
    wire_name: str
    location: Location
    type: Type
    required: bool
    description: str
    json_encoded: bool  # sent as one JSON string inside a form body
    default: str | None = None  # Python literal of the spec's default, documentation only
    example_value: str | None = None  # Python literal of the spec's example, documentation only

    @property
    def example(self) -> str:
        """A Python literal to show in examples: the spec's example, else a placeholder."""
        if self.example_value is not None:
            return self.example_value
        placeholders = {ListOf: "[]", MapOf: "{}", ModelRef: "{}"}
        if isinstance(self.type, Primitive):
            return {"str": '"..."', "int": "0", "float": "0.0", "bool": "False"}.get(self.type.name, "None")
        return placeholders.get(type(self.type), '"..."')

    @property
    def annotation(self) -> str:
        return self.type.input_annotation if self.required else f"{self.type.input_annotation} | None"


@dataclass(frozen=True)
class ErrorCode:
    code: str
    description: str


@dataclass(frozen=True)
class Method:
    """One Slack Web API method."""

    slack_name: str  # calls.participants.add
    name: str  # Python method name on its resource: add
    http_method: Literal["GET", "POST"]
    path: str  # relative to the base URL: calls.participants.add
    summary: str
    description: str
    parameters: tuple[Parameter, ...]  # required first, then in spec order
    body_encoding: Literal["form", "json", "none"]
    content_types: tuple[str, ...]
    response: str  # name of the response model
    scopes: tuple[str, ...]
    errors: tuple[ErrorCode, ...]
    docs_url: str
    deprecated: bool
    resource_path: tuple[str, ...] = ()  # Python names of the resources above it

    @property
    def python_path(self) -> str:
        """Where the method lives on a client: `calls.participants.add`."""
        return ".".join((*self.resource_path, self.name))

    @property
    def anchor(self) -> str:
        """The Markdown heading anchor of the method in the API reference."""
        return self.python_path.replace(".", "")

    @property
    def example_call(self) -> str:
        """A call with every required argument, for documentation."""
        arguments = ", ".join(f"{p.name}={p.example}" for p in self.parameters if p.required)
        return f"client.{self.python_path}({arguments})"

    @property
    def constant(self) -> str:
        """Name of the module-level endpoint description in the resource module:
        `chat.postMessage` -> `_CHAT_POST_MESSAGE`."""
        return "_" + "_".join(part.strip("_").upper() for part in (*self.resource_path, self.name))

    @property
    def json_fields(self) -> tuple[str, ...]:
        return tuple(p.wire_name for p in self.parameters if p.json_encoded)


@dataclass(frozen=True)
class Resource:
    """A node of the dotted name tree: `calls`, then `calls.participants`."""

    path: tuple[str, ...]  # Python names: ("calls", "participants")
    class_name: str  # CallsParticipants
    methods: tuple[Method, ...]
    children: tuple[Resource, ...]

    @property
    def attribute(self) -> str:
        return self.path[-1]

    def walk(self) -> tuple[Resource, ...]:
        """This resource and all below it, children before parents so classes are defined first."""
        return tuple(r for child in self.children for r in child.walk()) + (self,)


@dataclass(frozen=True)
class Family:
    """A top-level resource (`calls`, `chat`): one module of the generated package."""

    name: str  # Python module and attribute name
    slack_name: str
    resource: Resource
    models: tuple[str, ...]  # model and enum names its methods use, for imports

    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(m for r in self.resource.walk() for m in r.methods)

    @property
    def _annotations(self) -> str:
        return " ".join(p.annotation for method in self.methods for p in method.parameters)

    @property
    def typing_imports(self) -> tuple[str, ...]:
        """The `collections.abc` names its method signatures use."""
        return tuple(name for name in ("Mapping", "Sequence") if f"{name}[" in self._annotations)

    @property
    def uses_any(self) -> bool:
        return "Any" in self._annotations.replace("[", " ").replace("]", " ").replace(",", " ").split()

    @property
    def has_nested_resources(self) -> bool:
        """Whether a resource class holds others (and so takes the client in its `__init__`)."""
        return bool(self.resource.children)


@dataclass(frozen=True)
class Api:
    """The whole client to generate."""

    title: str
    description: str
    version: str
    package: str
    spec_name: str  # as named in generated headers
    base_url: str
    families: tuple[Family, ...]
    models: tuple[Model, ...]
    enums: tuple[Enum, ...]
    common_errors: tuple[ErrorCode, ...]

    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(sorted((m for f in self.families for m in f.methods), key=lambda m: m.slack_name))

    @property
    def model_bases(self) -> tuple[str, ...]:
        """The runtime base classes `models.py` derives from (and so imports)."""
        used = {"SlackResponse" if model.is_response else "Model" for model in self.models}
        return tuple(name for name in ("Model", "SlackResponse") if name in used)

    @property
    def model_names(self) -> list[str]:
        """Every model and enum name, in import order."""
        return sorted([model.name for model in self.models] + [enum.name for enum in self.enums], key=import_order)

    @property
    def distribution(self) -> str:
        """The name pip knows the package by: `slack_calls` -> `slack-calls`."""
        return self.package.replace("_", "-")
