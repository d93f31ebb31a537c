"""The intermediate model: everything the templates need, decided and sorted.

This is the contract between the spec and the templates (built-in or a user's). Names are already
valid Python, types already know how they are written and decoded, and every collection is sorted,
so templates only lay text out and the output is byte-stable.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .naming import pascal_case, snake_case

PrimitiveName = Literal["str", "int", "float", "bool", "Any"]


# First words of Slack method names that only read (`conversations.history`, `users.getPresence`).
READ_VERBS = frozenset({"get", "history", "info", "list", "lookup", "read", "replies", "search", "test", "view"})


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


@dataclass(frozen=True)
class AliasRef:
    """A named type that contains itself other than through a model (`J = str | list[J]`):
    a recursive type alias with a decoder function of its own, both in `models.py`."""

    name: str

    @property
    def annotation(self) -> str:
        return self.name

    @property
    def input_annotation(self) -> str:
        return self.name

    @property
    def decoder(self) -> str:
        return f"decode_{self.name}"


@dataclass(frozen=True)
class Binary:
    """A file in a multipart body: bytes, a path, or a binary file object (request arguments only)."""

    @property
    def annotation(self) -> str:
        return "bytes"

    @property
    def input_annotation(self) -> str:
        return "FileInput"

    @property
    def decoder(self) -> str:
        return "decode.anything"


Type = Primitive | ListOf | MapOf | ModelRef | EnumRef | UnionOf | AliasRef | Binary


def _check_atoms(kind: Type, items: bool) -> list[str] | None:
    """What a value of `kind` may be at run time, as the runtime's check atoms (enums are str, as
    their members are); the items of a list of scalars are checked too, except inside a union."""
    if isinstance(kind, Primitive):
        return None if kind.name == "Any" else [kind.name]
    if isinstance(kind, EnumRef):
        return ["str"]
    if isinstance(kind, ListOf):
        item = _check_atoms(kind.item, items=False) if items else None
        if item is not None and isinstance(kind.item, (Primitive, EnumRef)):
            # a `Sequence[str]`, which a str also is: Slack reads `"U1,U2"` as the list
            return (["str"] if item == ["str"] else []) + [f"list[{item[0]}]"]
        return ["list"]
    if isinstance(kind, MapOf):
        return ["map"]
    if isinstance(kind, ModelRef):
        return ["model"]
    if isinstance(kind, UnionOf):
        options = [_check_atoms(option, items=False) for option in kind.options]
        if any(option is None for option in options):
            return None
        return [atom for option in options if option is not None for atom in option]
    return None  # a recursive alias, a file


@dataclass(frozen=True)
class Alias:
    """The definition of an `AliasRef`: its name and the type it stands for."""

    name: str
    type: Type
    source: str  # JSON pointer of the schema


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
    # first run (issue 16): the same alternatives as Python field names, checked when built in code
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def has_renamed_fields(self) -> bool:
        return any(f.renamed for f in self.fields)

    @property
    def alternative_checks(self) -> tuple[str, ...]:
        """One Python condition per alternative, true when that alternative is given in full."""
        return tuple(" and ".join(f"self.{name} is not None" for name in names) for names in self.alternatives)

    @property
    def alternatives_message(self) -> str:
        """What a model built without any alternative raises, in the Python names the caller uses."""
        return f"{self.name} needs one of: " + "; ".join(" + ".join(names) for names in self.alternatives)


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
RateLimitTier = Literal[1, 2, 3, 4, "special"]


@dataclass(frozen=True)
class RateRule:
    """A special rule Slack documents as a rate (`x-slack-rate-limit`): at most `limit` calls in
    any `per` seconds, for each value of the argument `key` apart when there is one."""

    limit: int
    per: float
    key: str | None = None  # an argument's wire name

PagingStyle = Literal["cursor", "page"]


@dataclass(frozen=True)
class Pagination:
    """How a method's results continue over several calls (`x-slack-paginate`, or inferred).

    `cursor`: pass `cursor` = the last answer's `response_metadata.next_cursor` until it is empty.
    `page`: pass `page` = 1, 2, ... until the answer's `paging.page` reaches `paging.pages`."""

    style: PagingStyle
    items: tuple[str, ...]  # wire names leading to the list in the response: ("messages",)
    attributes: tuple[str, ...]  # the same path as Python attribute names
    item: Type | None  # the type of each element of that list; None: pages only (no list to walk)
    size_argument: str | None  # Python name of the page-size argument (`limit`, `count`), if any
    inferred: bool  # decided from the method's shape, not declared with `x-slack-paginate`

    @property
    def item_annotation(self) -> str:
        return self.item.annotation if self.item is not None else "Any"

    @property
    def position_argument(self) -> str:
        """The argument that says where the walk starts and resumes: `cursor` or `page`."""
        return "cursor" if self.style == "cursor" else "page"

    @property
    def items_path(self) -> str:
        return ".".join(self.items)


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
    # wire encoding (issue 13)
    secret: bool = False  # a credential (client_secret, an OAuth code): never sent in a URL

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
    def input_annotation(self) -> str:
        """What a caller may pass: a JSON argument also takes an already-encoded string, and one the spec
        types only as a string (Slack's 2020 spec) also takes the native structure."""
        annotation = self.type.input_annotation
        if not self.json_encoded:
            return annotation
        if isinstance(self.type, Primitive) and self.type.name in ("str", "Any"):
            return "str | Mapping[str, Any] | Sequence[Any]"
        return annotation if "str" in annotation.split(" | ") else f"{annotation} | str"

    @property
    def annotation(self) -> str:
        return self.input_annotation if self.required else f"{self.input_annotation} | None"

    @property
    def check(self) -> str | None:
        """The types the runtime checks this argument against before sending (see the runtime's
        `_checks`), as `|`-joined atoms following `input_annotation`; None: not checked (`Any`,
        files, recursive aliases, unions of shapes with no simple type)."""
        atoms = _check_atoms(self.type, items=True)
        if atoms is None:
            return None
        if self.json_encoded:  # a JSON argument also takes the string you encoded yourself
            if isinstance(self.type, Primitive):  # `str | Mapping[str, Any] | Sequence[Any]`
                atoms = ["json", "map", "list"]
            else:
                atoms = [atom if atom != "str" else "json" for atom in atoms] + ["json"]
        return "|".join(dict.fromkeys(atoms))


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
    body_encoding: Literal["form", "json", "none", "multipart"]
    content_types: tuple[str, ...]
    response: str  # name of the response model
    scopes: tuple[str, ...]
    errors: tuple[ErrorCode, ...]
    docs_url: str
    deprecated: bool
    resource_path: tuple[str, ...] = ()  # Python names of the resources above it
    # client runtime (no token -> clear error): False for methods that take no token
    token_required: bool = True
    # wire encoding, idempotency (issue 13)
    idempotent: bool = False  # `x-slack-idempotent`: safe to send again after an ambiguous failure
    basic_auth: bool = False  # an OAuth exchange: client_id/client_secret as HTTP Basic, no Bearer token
    post_reason: str = ""  # why a method the spec serves over GET is sent as a POST form instead
    # pagination and file uploads (issue 14)
    pagination: Pagination | None = None
    # rate limits (issue 15): Slack's tier for the method, from `x-slack-rate-limit-tier`
    rate_limit_tier: RateLimitTier | None = None
    rate_limit_note: str = ""  # `x-slack-rate-limit-note`: the text of a special rule
    rate_limit: RateRule | None = None  # `x-slack-rate-limit`: the rule as a rate, kept by default

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
    def reads(self) -> bool:
        """Whether the Slack name says the method only reads (`calls.info`, `chat.getPermalink`)."""
        verb = snake_case(self.slack_name.rsplit(".", 1)[-1]).split("_")[0]
        return verb in READ_VERBS

    @property
    def constant(self) -> str:
        """Name of the module-level endpoint description in the resource module:
        `chat.postMessage` -> `_CHAT_POST_MESSAGE`."""
        return "_" + "_".join(part.strip("_").upper() for part in (*self.resource_path, self.name))

    @property
    def json_fields(self) -> tuple[str, ...]:
        return tuple(p.wire_name for p in self.parameters if p.json_encoded)

    @property
    def type_checks(self) -> tuple[tuple[str, str], ...]:
        """(wire name, check code) of each argument the runtime checks before sending."""
        return tuple((p.wire_name, p.check) for p in self.parameters if p.check is not None)

    @property
    def renamed(self) -> tuple[tuple[str, str], ...]:
        """(wire name, Python name) of each checked argument whose names differ, so that a
        TypeError names the argument as the caller typed it."""
        return tuple((p.wire_name, p.name) for p in self.parameters
                     if p.check is not None and p.name != p.wire_name)

    @property
    def call_class(self) -> str:
        """The class of a paginated method's callable attribute: `ConversationsHistoryMethod`."""
        return "".join(pascal_case(part) for part in (*self.resource_path, self.name)) + "Method"

    @property
    def file_fields(self) -> tuple[str, ...]:
        """Wire names of the arguments sent as files in a multipart body."""
        return tuple(p.wire_name for p in self.parameters if isinstance(p.type, Binary))

    @property
    def has_files(self) -> bool:
        return bool(self.file_fields)

    @property
    def rate_limit_text(self) -> str:
        """The rate limit as the docs state it: `Tier 3`, `special: <note>`, and the rule the
        client keeps by default when there is one; "" when unknown."""
        if self.rate_limit_tier is None:
            text = ""
        elif self.rate_limit_tier == "special":
            text = f"special: {self.rate_limit_note}" if self.rate_limit_note else "special"
        else:
            text = f"Tier {self.rate_limit_tier}"
        rule = self.rate_limit
        if rule is None:
            return text
        apart = f" for each {rule.key}" if rule.key else ""
        kept = f"client keeps to {rule.limit} call(s) in any {rule.per:g} s{apart}"
        if not text:
            return f"the {kept}"
        return f"{text} The {kept}" if text.endswith(".") else f"{text}; the {kept}"


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
        # every method takes `extra_args: Mapping[str, Any] | None`
        walked = " ".join(method.pagination.item_annotation for method in self.methods
                          if method.pagination is not None and method.pagination.item is not None)
        return " ".join(["Mapping[str, Any]", walked]
                        + [p.annotation for method in self.methods for p in method.parameters])

    @property
    def has_deprecated(self) -> bool:
        """Whether a method warns when called, so the module imports `warnings`."""
        return any(method.deprecated for method in self.methods)

    @property
    def typing_imports(self) -> tuple[str, ...]:
        """The `collections.abc` names its method signatures use."""
        return tuple(name for name in ("Mapping", "Sequence") if f"{name}[" in self._annotations)

    @property
    def uses_any(self) -> bool:
        return "Any" in self._annotations.replace("[", " ").replace("]", " ").replace(",", " ").split()

    @property
    def uses_files(self) -> bool:
        """Whether a method takes a file (and so the module imports `FileInput`)."""
        return any(method.has_files for method in self.methods)

    @property
    def paginated(self) -> bool:
        return any(method.pagination is not None for method in self.methods)

    @property
    def walks_items(self) -> bool:
        """Whether a method has `.items()` (and so the module imports the iterator types)."""
        return any(method.pagination is not None and method.pagination.item is not None for method in self.methods)

    @property
    def upload(self) -> tuple[Method, Method] | None:
        """`files.getUploadURLExternal` and `files.completeUploadExternal`, when the family has
        both: its root resource then gets the `upload_files` helper (template `macros/upload.jinja`)."""
        by_name = {method.slack_name: method for method in self.methods}
        first, last = by_name.get("files.getUploadURLExternal"), by_name.get("files.completeUploadExternal")
        return (first, last) if first and last else None

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
    # recursive types (issue 10)
    aliases: tuple[Alias, ...] = ()
    # first run (issue 16): where the generated project lives, for its README's install command
    folder: str = "generated"  # relative to the generator's project, or just the folder's name

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
        names = [model.name for model in self.models] + [enum.name for enum in self.enums]
        return sorted(names + [alias.name for alias in self.aliases], key=import_order)

    @property
    def example_method(self) -> Method | None:
        """The method documentation shows: one that only reads (by its Slack name), with the
        fewest required arguments, so copying the example is harmless and complete."""
        return min(self.methods, default=None, key=lambda m: (not m.reads, m.http_method != "GET",
                                                               sum(p.required for p in m.parameters), m.slack_name))

    def pip_install(self, extra: str = "") -> str:
        """The shell argument installing the generated project from its parent folder."""
        return shlex.quote(f"./{self.folder}" + (f"[{extra}]" if extra else ""))

    @property
    def distribution(self) -> str:
        """The name pip knows the package by: `slack_calls` -> `slack-calls`."""
        return self.package.replace("_", "-")
