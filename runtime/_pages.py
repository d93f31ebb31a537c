"""Walking a paginated method: every page of its answer, or every item of its list.

A paginated method is an object: calling it makes one call as usual, `.pages(...)` walks the pages
and `.items(...)` the elements of the list the method returns. Slack paginates in two ways:

- by cursor: each answer's `response_metadata.next_cursor` is sent back as `cursor` until it is
  empty (`conversations.history`, `users.list`, ...);
- by page number: `page` goes 1, 2, ... until the answer's `paging.page` reaches `paging.pages`
  (`files.list`; `search.*` keep `paging` beside their list, as in `messages.paging`).

Every other argument (`limit`, `count` included) is sent unchanged on every page. Each page is one
ordinary call, so rate limits and transient failures are waited out by the client's retry policy.
When a page fails even so, `SlackPaginationError` says where the walk had got to: pass its
`cursor` (or `page`) back to `.pages()` or `.items()` to resume there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._errors import SlackError
from ._models import SlackResponse

if TYPE_CHECKING:
    from ._base import AsyncBaseClient, BaseClient, Endpoint

R = TypeVar("R", bound=SlackResponse)


class SlackPaginationError(SlackError):
    """A page of a walk failed after the client's retries. `error` (also the `__cause__`) is the
    failure; `cursor` (cursor walks) or `page` (page walks) is the position of the page that
    failed, to pass back to resume; `pages_read` counts the pages that succeeded before it.
    """

    def __init__(
        self,
        method: str,
        error: SlackError,
        *,
        cursor: str | None,
        page: int | None,
        pages_read: int,
    ) -> None:
        self.method = method
        self.error = error
        self.cursor = cursor
        self.page = page
        self.pages_read = pages_read
        where = f"page {page}" if page is not None else f"cursor {cursor!r}"
        if page is None and not cursor:
            where = "the first page"
        super().__init__(
            f"{method}: walk stopped at {where} after {pages_read} pages: {error}"
        )


class _Walk:
    """Where a walk is and where it goes next; shared by the blocking and the async iterator."""

    def __init__(
        self,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        style: str,
        items: tuple[str, ...],
        max_pages: int | None,
        max_items: int | None,
    ) -> None:
        self.endpoint = endpoint
        self.arguments = dict(arguments)
        self.style = style
        self.items = items
        self.max_pages = _bound("max_pages", max_pages)
        self.max_items = _bound("max_items", max_items)
        self.pages_read = 0
        self.items_read = 0
        self.done = False
        if style == "page" and self.arguments.get("page") is None:
            self.arguments["page"] = 1

    @property
    def more(self) -> bool:
        """Whether another page is to be fetched."""
        if self.done:
            return False
        if self.max_pages is not None and self.pages_read >= self.max_pages:
            return False
        return self.max_items is None or self.items_read < self.max_items

    def failed(self, error: SlackError) -> SlackPaginationError:
        position = self.arguments.get(self.style)
        return SlackPaginationError(
            self.endpoint.name,
            error,
            cursor=position if self.style == "cursor" else None,
            page=position if self.style == "page" else None,
            pages_read=self.pages_read,
        )

    def advance(self, page: SlackResponse) -> None:
        """Note the page just read and set the arguments for the next one. A server that
        answers the same cursor again, or does not move past a page, ends the walk instead of
        sending it round in circles."""
        self.pages_read += 1
        raw = page.raw
        if self.style == "cursor":
            metadata = raw.get("response_metadata")
            cursor = (
                metadata.get("next_cursor") if isinstance(metadata, Mapping) else None
            )
            repeated = cursor == self.arguments.get("cursor")
            if not isinstance(cursor, str) or not cursor or repeated:
                self.done = True
            self.arguments["cursor"] = cursor
        else:
            paging = _paging(raw)
            number = paging.get("page") if isinstance(paging, Mapping) else None
            total = paging.get("pages") if isinstance(paging, Mapping) else None
            asked = self.arguments["page"]
            if not isinstance(asked, int) or isinstance(asked, bool):
                asked = 1
            if not isinstance(total, int) or max(asked, _whole(number)) >= total:
                self.done = True
            self.arguments["page"] = asked + 1

    def take(self, page: SlackResponse) -> list[Any]:
        """The page's items, up to `max_items` over the whole walk."""
        value: Any = page
        for attribute in self.items:
            value = getattr(value, attribute, None)
            if value is None:
                return []
        items = list(value)
        if self.max_items is not None:
            items = items[: self.max_items - self.items_read]
        self.items_read += len(items)
        return items


class Pages(Generic[R]):
    """The pages of one walk, fetched as the loop asks for them: `for page in ...`. After the walk
    (or a failure), `next_cursor` / `next_page` is where the next page would start."""

    def __init__(
        self,
        client: BaseClient,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        response_type: type[R],
        *,
        style: str,
        items: tuple[str, ...] = (),
        max_pages: int | None = None,
        max_items: int | None = None,
        options: Mapping[str, Any],
    ) -> None:
        self._client = client
        self._response_type = response_type
        self._options = options
        self._walk = _Walk(endpoint, arguments, style, items, max_pages, max_items)

    @property
    def next_cursor(self) -> str | None:
        value = self._walk.arguments.get("cursor")
        return value if isinstance(value, str) and value else None

    @property
    def next_page(self) -> int | None:
        value = self._walk.arguments.get("page")
        return value if isinstance(value, int) else None

    def __iter__(self) -> Iterator[R]:
        walk = self._walk
        while walk.more:
            try:
                page = self._client.request(
                    walk.endpoint, walk.arguments, self._response_type, **self._options
                )
            except SlackError as exc:
                raise walk.failed(exc) from exc
            walk.advance(page)
            yield page

    def items(self) -> Iterator[Any]:
        """The elements of each page's list, in order (typed by the generated `.items()`)."""
        for page in self:
            yield from self._walk.take(page)


class AsyncPages(Generic[R]):
    """The async twin of `Pages`: `async for page in ...`."""

    def __init__(
        self,
        client: AsyncBaseClient,
        endpoint: Endpoint,
        arguments: Mapping[str, Any],
        response_type: type[R],
        *,
        style: str,
        items: tuple[str, ...] = (),
        max_pages: int | None = None,
        max_items: int | None = None,
        options: Mapping[str, Any],
    ) -> None:
        self._client = client
        self._response_type = response_type
        self._options = options
        self._walk = _Walk(endpoint, arguments, style, items, max_pages, max_items)

    @property
    def next_cursor(self) -> str | None:
        value = self._walk.arguments.get("cursor")
        return value if isinstance(value, str) and value else None

    @property
    def next_page(self) -> int | None:
        value = self._walk.arguments.get("page")
        return value if isinstance(value, int) else None

    async def __aiter__(self) -> AsyncIterator[R]:
        walk = self._walk
        while walk.more:
            try:
                page = await self._client.request(
                    walk.endpoint, walk.arguments, self._response_type, **self._options
                )
            except SlackError as exc:
                raise walk.failed(exc) from exc
            walk.advance(page)
            yield page

    async def items(self) -> AsyncIterator[Any]:
        """The elements of each page's list, in order (typed by the generated `.items()`)."""
        async for page in self:
            for item in self._walk.take(page):
                yield item


def _paging(raw: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`paging` at the top of the answer (`files.list`) or beside the list (`search.messages`
    answers `messages: {matches: [...], paging: {...}}`)."""
    paging = raw.get("paging")
    if isinstance(paging, Mapping):
        return paging
    for value in raw.values():
        if isinstance(value, Mapping) and isinstance(value.get("paging"), Mapping):
            inner: Mapping[str, Any] = value["paging"]
            return inner
    return None


def _whole(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _bound(name: str, value: int | None) -> int | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or value < 1
    ):
        raise ValueError(f"{name} must be a whole number >= 1, or None, not {value!r}")
    return value
