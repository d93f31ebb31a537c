"""Which methods walk through pages, and over which list: part of stage 3 (build).

Declared with the operation extension `x-slack-paginate: {style: cursor|page, items: <dotted path>}`
(the method-reference converter writes it; an overlay can correct it), or inferred from the
method's shape when absent:

- `page`: the method takes `page` and its response declares `paging.pages`, at the top
  (`files.list`) or beside its list (`search.messages`: `messages: {matches, paging}`);
- `cursor`: the method takes `cursor` (and, when it also takes `page`, its response declares
  `response_metadata.next_cursor` or no `paging`). Slack's convention is that every method taking
  `cursor` answers `response_metadata.next_cursor`, and the runtime reads it from the raw answer
  whether the schema declares it or not (Slack's 2020 spec mostly does not); a missing one ends
  the walk after one page.

The items are the list the response holds: the declared path, or the response's only list field
(`messages`, `channels`, `members`...; for nested paging, the list beside it: `messages.matches`).
`items` may be left out: the method then has `.pages()` only, for answers holding several lists
(`search.all`: messages and files). A declaration that does not fit the method is an error at the
extension; an inferred walk whose list is ambiguous walks pages only, with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import model as m
from .errors import Problem, SpecError

if TYPE_CHECKING:
    from .schemas import Types

EXTENSION = "x-slack-paginate"
# What each style needs: the request argument that says where to go on, and the response field
# that says whether there is more.
POSITION: dict[m.PagingStyle, tuple[str, tuple[str, ...]]] = {"cursor": ("cursor", ("response_metadata", "next_cursor")), "page": ("page", ("paging", "pages"))}
SIZE_ARGUMENT = {"cursor": "limit", "page": "count"}
_Found = tuple[tuple[str, ...], tuple[str, ...], m.Type]  # a list: wire path, attribute path, item type


def pagination(types: Types, operation: dict[str, Any], parameters: list[m.Parameter], response: str,
               where: str) -> m.Pagination | None:
    """The method's walk through pages, or None when it has a single answer."""
    declared = operation.get(EXTENSION)
    arguments = {p.wire_name: p for p in parameters}
    if declared is None:
        return _inferred(types, arguments, response, where)
    place = f"{where}/{EXTENSION}"
    if declared is False:
        return None  # an overlay's way to say "this one does not paginate"
    if not isinstance(declared, dict) or declared.get("style") not in POSITION:
        raise SpecError(Problem(f"{EXTENSION} must be {{style: cursor or page, items: <dotted path> (optional)}}",
                                types.document.name, place))
    style: m.PagingStyle = declared["style"]
    argument = POSITION[style][0]
    if argument not in arguments:
        raise SpecError(Problem(f"{EXTENSION} style {style!r} needs the method to take a {argument!r} argument",
                                types.document.name, place))
    path = declared.get("items")
    if path is None:  # pages only: the answer holds several lists, or none worth walking
        return m.Pagination(style, (), (), None, _size(arguments, style), False)
    if not isinstance(path, str) or not path:
        raise SpecError(Problem(f"{EXTENSION}: `items` must be the dotted path of the list in the response",
                                types.document.name, f"{place}/items"))
    found = _follow(types, response, tuple(path.split(".")))
    if found is None:
        raise SpecError(Problem(f"{EXTENSION}: the response of this method has no list at {path!r}",
                                types.document.name, f"{place}/items"))
    attributes, item = found
    return m.Pagination(style, tuple(path.split(".")), attributes, item, _size(arguments, style), False)


def _inferred(types: Types, arguments: dict[str, m.Parameter], response: str, where: str) -> m.Pagination | None:
    if "page" in arguments and (nested := _beside_paging(types, response)):
        # search.*: pages by number, whatever `cursor` it also takes (its next cursor is not
        # response_metadata's, so a cursor walk would end after the first page)
        return _walk(types, "page", nested, arguments, where)
    for style, (argument, marker) in POSITION.items():  # what the response declares comes first
        if argument in arguments and _field_path(types, response, marker) is not None:
            return _walk(types, style, _lists(types, response, marker), arguments, where)
    if "cursor" in arguments:  # Slack answers it with response_metadata.next_cursor, declared or not
        return _walk(types, "cursor", _lists(types, response, POSITION["cursor"][1]), arguments, where)
    return None


def _lists(types: Types, response: str, marker: tuple[str, ...]) -> list[_Found]:
    return [((f.wire_name,), (f.name,), f.type.item) for f in types.models[response].fields
            if isinstance(f.type, m.ListOf) and f.wire_name not in marker]


def _walk(types: Types, style: m.PagingStyle, lists: Sequence[_Found], arguments: dict[str, m.Parameter],
          where: str) -> m.Pagination:
    """An inferred walk over the only list, or over pages only (with a warning) when there is none or several."""
    if len(lists) == 1:
        (path, attributes, item), = lists
        return m.Pagination(style, path, attributes, item, _size(arguments, style), True)
    listed = ", ".join(".".join(path) for path, _, _ in lists) or "none"
    types.warn(f"the method pages by {POSITION[style][0]!r} but its response has {len(lists) or 'no'} list fields "
               f"({listed}); `.items()` needs `{EXTENSION}: {{style: {style}, items: <field>}}`, `.pages()` works",
               where)
    return m.Pagination(style, (), (), None, _size(arguments, style), True)


def _beside_paging(types: Types, response: str) -> list[_Found]:
    """The lists kept beside a `paging.pages` one level down (`messages: {matches, paging}`)."""
    found: list[_Found] = []
    for holder in types.models[response].fields:
        if not isinstance(holder.type, m.ModelRef) or _field_path(types, holder.type.name, POSITION["page"][1]) is None:
            continue
        lists = [f for f in types.models[holder.type.name].fields if isinstance(f.type, m.ListOf)]
        if len(lists) == 1 and isinstance(lists[0].type, m.ListOf):
            found.append(((holder.wire_name, lists[0].wire_name), (holder.name, lists[0].name), lists[0].type.item))
    return found


def _size(arguments: dict[str, m.Parameter], style: str) -> str | None:
    parameter = arguments.get(SIZE_ARGUMENT[style])
    return parameter.name if parameter else None


def _field_path(types: Types, model_name: str, path: tuple[str, ...]) -> tuple[tuple[str, ...], m.Field] | None:
    """The Python attribute names along `path` (wire names) and the field it ends at."""
    attributes: list[str] = []
    field = None
    current: m.Type = m.ModelRef(model_name)
    for wire in path:
        if not isinstance(current, m.ModelRef) or current.name not in types.models:
            return None
        field = next((f for f in types.models[current.name].fields if f.wire_name == wire), None)
        if field is None:
            return None
        attributes.append(field.name)
        current = field.type
    return (tuple(attributes), field) if field else None


def _follow(types: Types, response: str, path: tuple[str, ...]) -> tuple[tuple[str, ...], m.Type] | None:
    found = _field_path(types, response, path)
    if found is None or not isinstance(found[1].type, m.ListOf):
        return None
    return found[0], found[1].type.item
