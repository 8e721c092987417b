"""The one place that builds HTTP clients: polite, bounded, retrying GETs.

Retries live here and nowhere else (not in Prefect tasks). tenacity drives the
retry loop, aiolimiter the per-host request rate; httpx's own transport retries
only cover connection set-up, so status retries (408/429/5xx, ``Retry-After``)
are ours. Conditional requests use validators the caller passes in (taken from
the archive), so a ``304`` comes back as an observation that nothing changed.
``post_json`` is the one POST (the change webhook): bounded and retried alike.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urljoin

import httpx
from aiolimiter import AsyncLimiter
from protego import Protego
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception

from extractors.policy import HostPolicy, Validators, origin_of

USER_AGENT = "modelsync/0.1 (+https://github.com/modelsync/modelsync; history of public model metadata)"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_KEEPALIVE = 32  # httpcore scans its pool per request: above 32 it slows sharply (encode/httpx#3215)
MAX_REDIRECTS = 5
ROBOTS_AGENT = "modelsync"  # the product token robots.txt rules are matched against


@dataclass(frozen=True)
class Fetched:
    """One final HTTP answer for a real URL (never the mirror's)."""

    url: str
    status: int
    body: bytes
    fetched_at: datetime
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1


class FetchError(Exception):
    """A URL that could not be fetched, with the reason in one line."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass
class _Host:
    policy: HostPolicy
    limiter: AsyncLimiter
    slots: asyncio.Semaphore
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots: Protego | FetchError | None = None  # read once per origin; an error refuses every page


@dataclass
class Fetcher:
    """Async GETs restricted to configured origins.

    ``origins`` maps each real origin (``https://openrouter.ai``) to its policy;
    ``routes`` optionally sends a real origin to another one (a mirror) while
    every result still carries the real URL.
    """

    origins: Mapping[str, HostPolicy]
    routes: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    sleep: Callable[[float], object] = asyncio.sleep
    _client: httpx.AsyncClient | None = None
    _hosts: dict[str, _Host] = field(default_factory=dict)

    async def __aenter__(self) -> Fetcher:
        concurrency = sum(p.concurrency for p in self.origins.values()) or 1
        self._client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, **self.headers},
            limits=httpx.Limits(
                max_connections=concurrency,
                max_keepalive_connections=min(concurrency, MAX_KEEPALIVE),
            ),
            # Timeouts are per host: each request passes its origin's policy.
            follow_redirects=False,
            trust_env=False,
        )
        for origin, policy in self.origins.items():
            self._hosts[origin] = _Host(policy, _limiter(policy.rate_per_s), asyncio.Semaphore(policy.concurrency))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(self, url: str, validators: Validators | None = None) -> Fetched:
        """The final answer for ``url`` after retries; raises FetchError when there is none."""
        origin = origin_of(url)
        host = self._hosts.get(origin)
        if host is None:
            raise FetchError(url, f"host {origin} is not a configured source")
        if host.policy.obey_robots:
            await self._check_robots(url, origin, host)
        return await self._fetch(url, host, _conditional_headers(validators))

    async def _check_robots(self, url: str, origin: str, host: _Host) -> None:
        """Refuse ``url`` when the origin's robots.txt disallows it; honour its Crawl-delay.

        Rules are matched by Protego (Scrapy's parser: RFC 9309 longest match, ``*`` and
        ``$``). A robots.txt answering 4xx allows everything; one that cannot be read
        (429, 5xx, connection errors after retries) disallows everything.
        """
        async with host.robots_lock:
            if host.robots is None:
                host.robots = await self._read_robots(origin, host)
        if isinstance(host.robots, FetchError):
            raise FetchError(url, host.robots.reason)
        if not host.robots.can_fetch(url, ROBOTS_AGENT):
            raise FetchError(url, f"disallowed by {origin}/robots.txt")

    async def _read_robots(self, origin: str, host: _Host) -> Protego | FetchError:
        try:
            fetched = await self._fetch(f"{origin}/robots.txt", host, {})
        except FetchError as e:
            if e.reason.startswith("HTTP 4") and not e.reason.startswith("HTTP 429"):  # no robots.txt: all allowed
                return Protego.parse("")
            return FetchError(e.url, f"robots.txt could not be read ({e.reason}): pages of {origin} are not fetched")
        rules = Protego.parse(fetched.body.decode("utf-8", "replace") if fetched.status == 200 else "")
        delay = rules.crawl_delay(ROBOTS_AGENT)
        if delay and float(delay) > 1 / host.policy.rate_per_s:
            host.limiter = AsyncLimiter(1, float(delay))  # the site asks for slower than our policy
        return rules

    async def _fetch(self, url: str, host: _Host, conditional: dict[str, str]) -> Fetched:
        attempts = 0
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
            wait=lambda state: _wait_s(state, host.policy),
            stop=lambda state: _should_stop(state, host.policy),
            sleep=self.sleep,  # type: ignore[arg-type]
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    async with host.slots:
                        await host.limiter.acquire()
                        fetched = await self._get_once(url, conditional, host.policy)
                    return _with_attempts(fetched, attempts)
        except _Retryable as e:
            raise FetchError(
                url, f"{e.reason} (gave up after {attempts} attempt{'' if attempts == 1 else 's'})"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _get_once(self, url: str, headers: dict[str, str], policy: HostPolicy) -> Fetched:
        # httpx's read timeout is per read: a body that trickles in never trips it, so the
        # whole response also has a deadline.
        try:
            async with asyncio.timeout(policy.response_timeout_s):
                return await self._get_within_deadline(url, headers, policy)
        except TimeoutError:
            raise _Retryable(f"timeout (no whole response within {policy.response_timeout_s:g} s)") from None

    async def _get_within_deadline(self, url: str, headers: dict[str, str], policy: HostPolicy) -> Fetched:
        assert self._client is not None, "use Fetcher as an async context manager"
        real_origin = origin_of(url)
        target = self.routes.get(real_origin, real_origin) + url[len(real_origin) :]
        for _ in range(MAX_REDIRECTS + 1):
            try:
                timeout = httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s)
                async with self._client.stream("GET", target, headers=headers, timeout=timeout) as response:
                    if response.has_redirect_location:
                        location = urljoin(target, response.headers.get("location", ""))
                        if origin_of(location) != origin_of(target):
                            raise FetchError(url, f"redirect to another origin refused: {location}")
                        target = location
                        continue
                    if response.status_code in RETRY_STATUSES:
                        raise _Retryable(
                            f"HTTP {response.status_code}",
                            _retry_after_s(response.headers.get("retry-after"), self.clock()),
                        )
                    if response.status_code not in (200, 304, 404, 410):
                        raise FetchError(url, f"HTTP {response.status_code}")
                    body = await _capped_body(response, policy.max_bytes, url)
                    return Fetched(
                        url=real_origin + target[len(origin_of(target)) :],
                        status=response.status_code,
                        body=body,
                        fetched_at=self.clock(),
                        content_type=response.headers.get("content-type"),
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                    )
            except httpx.TimeoutException as e:
                raise _Retryable(f"timeout ({type(e).__name__})") from None
            except httpx.TransportError as e:
                raise _Retryable(f"connection error ({type(e).__name__}: {_root_cause(e)})") from None
            except httpx.HTTPError as e:  # e.g. a body that does not decode as its Content-Encoding says
                raise FetchError(url, f"{type(e).__name__}: {e}") from None
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")


class PostError(Exception):
    """A POST that got no 2xx answer, the reason in one line; the URL is never in it (it may hold a secret)."""


def post_json(url: str, body: bytes, policy: HostPolicy) -> int:
    """The 2xx status ``url`` answered a JSON POST of ``body`` with; retried with backoff on connection errors,
    timeouts and 408/429/5xx, up to ``policy.max_attempts``; raises PostError otherwise."""
    attempts = 0
    retrying = Retrying(
        retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
        wait=lambda state: _wait_s(state, policy),
        stop=lambda state: _should_stop(state, policy),
        reraise=True,
    )
    timeout = httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s)
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, headers=headers) as client:
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    return _post_once(client, url, body)
        except _Retryable as e:
            raise PostError(f"{e.reason} (gave up after {attempts} attempt{'' if attempts == 1 else 's'})") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _post_once(client: httpx.Client, url: str, body: bytes) -> int:
    try:
        response = client.post(url, content=body)
    except httpx.TimeoutException as e:
        raise _Retryable(f"timeout ({type(e).__name__})") from None
    except httpx.TransportError as e:  # its message may quote the URL: only the kind of error is kept
        raise _Retryable(f"connection error ({type(e).__name__})") from None
    except httpx.HTTPError as e:
        raise PostError(type(e).__name__) from None
    if response.status_code in RETRY_STATUSES:
        raise _Retryable(f"HTTP {response.status_code}", _retry_after_s(response.headers.get("retry-after"),
                                                                       datetime.now(UTC)))  # fmt: skip
    if not 200 <= response.status_code < 300:
        raise PostError(f"HTTP {response.status_code}")
    return response.status_code


def _root_cause(error: BaseException) -> str:
    """The message of the innermost exception behind ``error`` that has one (anyio wraps a reset as '')."""
    message, seen = str(error), {id(error)}
    cause = error.__cause__ or error.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        message = str(cause) or message
        cause = cause.__cause__ or cause.__context__
    return message


def _limiter(rate_per_s: float) -> AsyncLimiter:
    """A limiter for ``rate_per_s`` requests a second; below one, one request per ``1/rate`` seconds.

    aiolimiter refuses to acquire more than its capacity, so a capacity of 0.25 per second could
    never let one request through.
    """
    return AsyncLimiter(rate_per_s, 1.0) if rate_per_s >= 1 else AsyncLimiter(1, 1 / rate_per_s)


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    if validators is None:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


async def _capped_body(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"response of {int(declared):,} bytes is over the {max_bytes:,}-byte cap")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"response is over the {max_bytes:,}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _wait_s(state: RetryCallState, policy: HostPolicy) -> float:
    """Exponential backoff with jitter, or the server's ``Retry-After`` when it asks for longer."""
    backoff: float = policy.backoff_s * 2 ** (state.attempt_number - 1) * random.uniform(0.5, 1.0)
    error = state.outcome.exception() if state.outcome else None
    asked: float | None = error.retry_after_s if isinstance(error, _Retryable) else None
    return backoff if asked is None else max(backoff, asked)


def _should_stop(state: RetryCallState, policy: HostPolicy) -> bool:
    over_budget = state.idle_for + state.upcoming_sleep > policy.max_retry_wait_s
    return state.attempt_number >= policy.max_attempts or over_budget


def _with_attempts(fetched: Fetched, attempts: int) -> Fetched:
    if attempts == 1:
        return fetched
    return Fetched(**{**fetched.__dict__, "attempts": attempts})
