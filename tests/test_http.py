"""``Fetcher``: polite, bounded, retrying GETs against a real HTTP server on loopback (the mirror)."""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from extractors.http import Fetched, Fetcher, FetchError, Validators, _retry_after_s, origin_of
from extractors.policy import HostPolicy
from flows.doubles.mirror import Mirror, Reply

ORIGIN = "https://openrouter.ai"
MODELS_PATH = "/api/v1/models"
MODELS_URL = ORIGIN + MODELS_PATH
OTHER_PATH = "/api/v1/other"
FIXED_NOW = datetime(2026, 8, 25, 10, 26, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared_mirror() -> Iterator[Mirror]:
    """One loopback server for this module: shutting one down costs half a second."""
    with Mirror() as server:
        yield server


@pytest.fixture
def mirror(shared_mirror: Mirror) -> Mirror:
    """The shared mirror with no scripted replies and an empty request log."""
    for path in (MODELS_PATH, OTHER_PATH):
        shared_mirror.script(path)  # no replies: the path answers 404 until a test scripts it
    shared_mirror.requests.clear()
    return shared_mirror


def synthetic_models_body() -> bytes:
    """A small synthetic model list."""
    return json.dumps({"data": [{"id": "synthetic/model-a"}, {"id": "synthetic/model-b"}]}).encode()


def mirror_etag(body: bytes) -> str:
    """The ETag the mirror gives a 200 body."""
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


class RecordingSleep:
    """A fake ``sleep`` coroutine: records the seconds asked for and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def fetch(
    mirror: Mirror,
    url: str,
    policy: HostPolicy | None = None,
    sleep: RecordingSleep | None = None,
    validators: Validators | None = None,
    clock_now: datetime = FIXED_NOW,
) -> Fetched:
    """GET ``url`` with OpenRouter's origin routed to the mirror."""

    async def go() -> Fetched:
        async with Fetcher(
            {ORIGIN: policy or HostPolicy()},
            routes={ORIGIN: mirror.base_url},
            sleep=sleep or RecordingSleep(),
            clock=lambda: clock_now,
        ) as fetcher:
            return await fetcher.get(url, validators)

    return asyncio.run(go())


def paths_requested(mirror: Mirror) -> list[str]:
    return [path for path, _ in mirror.requests]


# --- plain answers -------------------------------------------------------------------------------------------------


def test_a_200_comes_back_with_the_real_url_body_status_content_type_and_etag(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    mirror.script(MODELS_PATH, Reply(200, synthetic_body))

    fetched = fetch(mirror, MODELS_URL)

    assert fetched == Fetched(
        url=MODELS_URL,
        status=200,
        body=synthetic_body,
        fetched_at=FIXED_NOW,
        content_type="application/json",
        etag=mirror_etag(synthetic_body),
        last_modified=None,
        attempts=1,
    )
    assert paths_requested(mirror) == [MODELS_PATH]


def test_requests_carry_a_modelsync_user_agent(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(200, synthetic_models_body()))

    fetch(mirror, MODELS_URL)

    [(_, headers)] = mirror.requests
    assert headers["user-agent"].startswith("modelsync/")


def test_last_modified_is_carried_through(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    stamp = "Tue, 25 Aug 2026 09:00:00 GMT"
    mirror.script(MODELS_PATH, Reply(200, synthetic_body, headers={"Last-Modified": stamp}))

    fetched = fetch(mirror, MODELS_URL)

    assert (fetched.status, fetched.last_modified) == (200, stamp)


def test_a_404_is_returned_not_raised(mirror: Mirror) -> None:
    synthetic_body = b'{"error": {"code": 404, "message": "synthetic not found"}}'
    mirror.script(MODELS_PATH, Reply(404, synthetic_body))

    fetched = fetch(mirror, MODELS_URL)

    assert (fetched.url, fetched.status, fetched.body, fetched.attempts) == (MODELS_URL, 404, synthetic_body, 1)
    assert paths_requested(mirror) == [MODELS_PATH]


def test_a_403_raises_and_is_not_retried(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(403, b"synthetic forbidden"))
    sleep = RecordingSleep()

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL, sleep=sleep)

    assert (caught.value.url, caught.value.reason) == (MODELS_URL, "HTTP 403")
    assert str(caught.value) == f"{MODELS_URL}: HTTP 403"
    assert paths_requested(mirror) == [MODELS_PATH]
    assert sleep.calls == []


# --- retries -------------------------------------------------------------------------------------------------------


def test_retry_after_in_seconds_is_honoured(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    mirror.script(MODELS_PATH, Reply(429, b"", headers={"Retry-After": "3"}), Reply(200, synthetic_body))
    sleep = RecordingSleep()

    fetched = fetch(mirror, MODELS_URL, sleep=sleep)

    assert (fetched.status, fetched.body, fetched.attempts) == (200, synthetic_body, 2)
    assert paths_requested(mirror) == [MODELS_PATH, MODELS_PATH]
    # the default backoff (0.5 s, at most 0.5 s on the first retry) is shorter, so the server's 3 s wins exactly
    assert sleep.calls == [3.0]


def test_retry_after_as_an_http_date_is_honoured(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    retry_at = email.utils.format_datetime(FIXED_NOW + timedelta(seconds=7), usegmt=True)
    assert retry_at == "Tue, 25 Aug 2026 10:26:08 GMT"
    mirror.script(MODELS_PATH, Reply(503, b"", headers={"Retry-After": retry_at}), Reply(200, synthetic_body))
    sleep = RecordingSleep()

    fetched = fetch(mirror, MODELS_URL, sleep=sleep)

    assert (fetched.status, fetched.body, fetched.attempts, fetched.fetched_at) == (200, synthetic_body, 2, FIXED_NOW)
    assert paths_requested(mirror) == [MODELS_PATH, MODELS_PATH]
    assert sleep.calls == [7.0]


def test_two_500s_then_a_200_succeeds_on_the_third_attempt_with_growing_backoff(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    mirror.script(MODELS_PATH, Reply(500), Reply(500), Reply(200, synthetic_body))
    sleep = RecordingSleep()

    fetched = fetch(mirror, MODELS_URL, policy=HostPolicy(backoff_s=0.5), sleep=sleep)

    assert (fetched.url, fetched.status, fetched.body, fetched.attempts) == (MODELS_URL, 200, synthetic_body, 3)
    assert paths_requested(mirror) == [MODELS_PATH] * 3
    first, second = sleep.calls
    # backoff_s * 2**(n-1) * jitter, jitter in [0.5, 1]
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0
    assert second >= first


def test_500_forever_gives_up_after_max_attempts(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(500, b"synthetic server error"))
    sleep = RecordingSleep()

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL, policy=HostPolicy(max_attempts=3), sleep=sleep)

    assert (caught.value.url, caught.value.reason) == (MODELS_URL, "HTTP 500 (gave up after 3 attempts)")
    assert paths_requested(mirror) == [MODELS_PATH] * 3
    first, second = sleep.calls  # two waits between three attempts, default backoff_s 0.5
    assert 0.25 <= first <= 0.5
    assert 0.5 <= second <= 1.0


def test_a_retry_after_longer_than_the_retry_budget_gives_up_without_sleeping_it(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(429, b"", headers={"Retry-After": "120"}), Reply(200, synthetic_models_body()))
    sleep = RecordingSleep()

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL, policy=HostPolicy(max_retry_wait_s=30.0), sleep=sleep)

    assert (caught.value.url, caught.value.reason) == (MODELS_URL, "HTTP 429 (gave up after 1 attempt)")
    assert sleep.calls == []
    assert paths_requested(mirror) == [MODELS_PATH]


def test_a_read_timeout_is_retried_then_reported_as_a_timeout(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(200, synthetic_models_body(), delay_s=1.0))
    sleep = RecordingSleep()
    threads_before = set(threading.enumerate())

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL, policy=HostPolicy(read_timeout_s=0.2, max_attempts=2), sleep=sleep)

    # the mirror's handlers are still asleep: let them finish (and fail on the closed sockets) inside this test
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=5)
    assert caught.value.url == MODELS_URL
    assert caught.value.reason == "timeout (ReadTimeout) (gave up after 2 attempts)"
    assert paths_requested(mirror) == [MODELS_PATH, MODELS_PATH]
    [wait] = sleep.calls  # one backoff between the two attempts, default backoff_s 0.5
    assert 0.25 <= wait <= 0.5


# --- conditional requests ------------------------------------------------------------------------------------------


def test_a_matching_etag_sends_if_none_match_and_gets_an_empty_304(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    etag = mirror_etag(synthetic_body)
    mirror.script(MODELS_PATH, Reply(200, synthetic_body))

    fetched = fetch(mirror, MODELS_URL, validators=Validators(etag=etag))

    assert fetched == Fetched(
        url=MODELS_URL,
        status=304,
        body=b"",
        fetched_at=FIXED_NOW,
        content_type=None,
        etag=etag,
        last_modified=None,
        attempts=1,
    )
    [(path, headers)] = mirror.requests
    assert path == MODELS_PATH
    assert headers["if-none-match"] == etag
    assert "if-modified-since" not in headers


def test_a_stale_etag_gets_the_new_body(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    mirror.script(MODELS_PATH, Reply(200, synthetic_body))

    fetched = fetch(mirror, MODELS_URL, validators=Validators(etag='"synthetic-stale"'))

    assert (fetched.status, fetched.body, fetched.etag) == (200, synthetic_body, mirror_etag(synthetic_body))
    assert mirror.requests[0][1]["if-none-match"] == '"synthetic-stale"'


def test_last_modified_validator_is_sent_as_if_modified_since(mirror: Mirror) -> None:
    stamp = "Tue, 25 Aug 2026 09:00:00 GMT"
    mirror.script(MODELS_PATH, Reply(200, synthetic_models_body()))

    fetch(mirror, MODELS_URL, validators=Validators(last_modified=stamp))

    [(_, headers)] = mirror.requests
    assert headers["if-modified-since"] == stamp
    assert "if-none-match" not in headers


def test_no_validators_send_no_conditional_headers(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(200, synthetic_models_body()))

    fetch(mirror, MODELS_URL)

    [(_, headers)] = mirror.requests
    assert "if-none-match" not in headers
    assert "if-modified-since" not in headers


# --- limits --------------------------------------------------------------------------------------------------------


def test_a_body_over_the_size_cap_raises(mirror: Mirror) -> None:
    synthetic_body = b"x" * 1000
    mirror.script(MODELS_PATH, Reply(200, synthetic_body))

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL, policy=HostPolicy(max_bytes=100))

    assert (caught.value.url, caught.value.reason) == (MODELS_URL, "response of 1,000 bytes is over the 100-byte cap")
    assert paths_requested(mirror) == [MODELS_PATH]


def test_a_body_exactly_at_the_size_cap_is_accepted(mirror: Mirror) -> None:
    synthetic_body = b"y" * 100
    mirror.script(MODELS_PATH, Reply(200, synthetic_body))

    fetched = fetch(mirror, MODELS_URL, policy=HostPolicy(max_bytes=100))

    assert (fetched.status, fetched.body) == (200, synthetic_body)


def test_a_url_on_an_unconfigured_host_raises_and_sends_nothing(mirror: Mirror) -> None:
    url = "https://synthetic.example.org/api/v1/models"

    with pytest.raises(FetchError) as caught:
        fetch(mirror, url)

    assert (caught.value.url, caught.value.reason) == (
        url,
        "host https://synthetic.example.org is not a configured source",
    )
    assert mirror.requests == []


# --- redirects -----------------------------------------------------------------------------------------------------


def test_a_redirect_to_another_origin_is_refused(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(302, headers={"Location": "http://example.com/x"}))

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL)

    assert (caught.value.url, caught.value.reason) == (
        MODELS_URL,
        "redirect to another origin refused: http://example.com/x",
    )
    assert paths_requested(mirror) == [MODELS_PATH]


def test_a_same_origin_redirect_is_followed_and_reported_under_the_real_origin(mirror: Mirror) -> None:
    synthetic_body = synthetic_models_body()
    mirror.script(MODELS_PATH, Reply(302, headers={"Location": "/api/v1/other"}))
    mirror.script(OTHER_PATH, Reply(200, synthetic_body))

    fetched = fetch(mirror, MODELS_URL)

    assert (fetched.url, fetched.status, fetched.body, fetched.attempts) == (
        "https://openrouter.ai/api/v1/other",
        200,
        synthetic_body,
        1,
    )
    assert paths_requested(mirror) == [MODELS_PATH, OTHER_PATH]


def test_a_redirect_loop_stops_after_the_redirect_limit(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(302, headers={"Location": MODELS_PATH}))

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL)

    assert (caught.value.url, caught.value.reason) == (MODELS_URL, "more than 5 redirects")
    assert paths_requested(mirror) == [MODELS_PATH] * 6


# --- helpers -------------------------------------------------------------------------------------------------------


def test_retry_after_in_seconds_parses_to_seconds() -> None:
    assert _retry_after_s("3", FIXED_NOW) == 3.0
    assert _retry_after_s(" 120 ", FIXED_NOW) == 120.0
    assert _retry_after_s("0", FIXED_NOW) == 0.0


def test_retry_after_as_an_http_date_parses_to_seconds_from_now() -> None:
    later = email.utils.format_datetime(FIXED_NOW + timedelta(seconds=90), usegmt=True)
    earlier = email.utils.format_datetime(FIXED_NOW - timedelta(seconds=90), usegmt=True)

    assert _retry_after_s(later, FIXED_NOW) == 90.0
    assert _retry_after_s(earlier, FIXED_NOW) == 0.0


def test_retry_after_that_is_missing_or_garbage_is_none() -> None:
    assert _retry_after_s(None, FIXED_NOW) is None
    assert _retry_after_s("", FIXED_NOW) is None
    assert _retry_after_s("synthetic garbage", FIXED_NOW) is None
    assert _retry_after_s("-5", FIXED_NOW) is None
    assert _retry_after_s("1.5", FIXED_NOW) is None


def test_origin_of_keeps_scheme_host_and_port_lowercased() -> None:
    assert origin_of("https://openrouter.ai/api/v1/models?x=1#frag") == "https://openrouter.ai"
    assert origin_of("HTTPS://OpenRouter.AI/api/v1/models") == "https://openrouter.ai"
    assert origin_of("http://127.0.0.1:8123/api") == "http://127.0.0.1:8123"
    assert origin_of("https://openrouter.ai") == "https://openrouter.ai"


def test_a_body_that_does_not_decode_as_its_content_encoding_is_a_fetch_error(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(200, b"synthetic: not gzip at all", headers={"Content-Encoding": "gzip"}))

    with pytest.raises(FetchError) as caught:
        fetch(mirror, MODELS_URL)

    assert caught.value.url == MODELS_URL
    assert caught.value.reason.startswith("DecodingError: ")
    assert paths_requested(mirror) == [MODELS_PATH]


# --- robots.txt (HTML pages) ---------------------------------------------------------------------------------------

ROBOTS = "/robots.txt"
PAGE_PATH = "/models/llama-4-scout"
PRIVATE_PATH = "/private/page"
ROBOTS_POLICY = HostPolicy(obey_robots=True, backoff_s=0.01)


def fetch_pages(mirror: Mirror, *paths: str) -> list[Fetched | str]:
    """GET each path in one Fetcher (robots.txt is read once); a refusal comes back as its reason."""

    async def go() -> list[Fetched | str]:
        results: list[Fetched | str] = []
        async with Fetcher({ORIGIN: ROBOTS_POLICY}, routes={ORIGIN: mirror.base_url}, sleep=RecordingSleep()) as f:
            for path in paths:
                try:
                    results.append(await f.get(ORIGIN + path))
                except FetchError as e:
                    results.append(e.reason)
        return results

    return asyncio.run(go())


@pytest.fixture
def page_mirror(mirror: Mirror) -> Mirror:
    for path in (ROBOTS, PAGE_PATH, PRIVATE_PATH):
        mirror.script(path)
    mirror.script(PAGE_PATH, Reply(200, b"<html><body>page</body></html>", content_type="text/html"))
    mirror.script(PRIVATE_PATH, Reply(200, b"<html>private</html>", content_type="text/html"))
    return mirror


def test_robots_txt_is_read_once_and_a_disallowed_page_is_refused_unfetched(page_mirror: Mirror) -> None:
    page_mirror.script(ROBOTS, Reply(200, b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"))

    page, private = fetch_pages(page_mirror, PAGE_PATH, PRIVATE_PATH)

    assert isinstance(page, Fetched)
    assert private == f"disallowed by {ORIGIN}/robots.txt"
    assert paths_requested(page_mirror) == [ROBOTS, PAGE_PATH]


def test_robots_rules_for_modelsync_apply_to_it(page_mirror: Mirror) -> None:
    page_mirror.script(ROBOTS, Reply(200, b"User-agent: modelsync\nDisallow: /\n\nUser-agent: *\nAllow: /\n"))

    assert fetch_pages(page_mirror, PAGE_PATH) == [f"disallowed by {ORIGIN}/robots.txt"]


def test_a_missing_robots_txt_allows_every_page(page_mirror: Mirror) -> None:
    (page,) = fetch_pages(page_mirror, PAGE_PATH)  # /robots.txt answers 404

    assert isinstance(page, Fetched)


def test_an_unreadable_robots_txt_refuses_every_page(page_mirror: Mirror) -> None:
    page_mirror.script(ROBOTS, Reply(503))

    page, private = fetch_pages(page_mirror, PAGE_PATH, PRIVATE_PATH)

    assert isinstance(page, str)
    assert page.startswith("robots.txt could not be read (HTTP 503")
    assert private == page
    assert PAGE_PATH not in paths_requested(page_mirror)


def test_api_origins_do_not_read_robots_txt(mirror: Mirror) -> None:
    mirror.script(MODELS_PATH, Reply(200, synthetic_models_body()))

    fetch(mirror, MODELS_URL)

    assert paths_requested(mirror) == [MODELS_PATH]


def test_robots_rules_use_the_longest_match_and_wildcards(page_mirror: Mirror) -> None:
    page_mirror.script(
        ROBOTS, Reply(200, b"User-agent: *\nAllow: /\nDisallow: /models/\nAllow: /models/llama-4-scout$\n")
    )

    page, private = fetch_pages(page_mirror, PAGE_PATH, PRIVATE_PATH)

    assert isinstance(page, Fetched)  # the longer Allow wins over Disallow: /models/
    assert isinstance(private, Fetched)
    page_mirror.script(ROBOTS, Reply(200, b"User-agent: *\nDisallow: /models/*-scout$\n"))
    assert fetch_pages(page_mirror, PAGE_PATH) == [f"disallowed by {ORIGIN}/robots.txt"]


def test_a_crawl_delay_slower_than_the_policy_sets_the_pace(page_mirror: Mirror) -> None:
    page_mirror.script(ROBOTS, Reply(200, b"User-agent: *\nCrawl-delay: 2.5\n"))

    async def go() -> tuple[float, float]:
        async with Fetcher({ORIGIN: ROBOTS_POLICY}, routes={ORIGIN: page_mirror.base_url}) as fetcher:
            await fetcher.get(ORIGIN + PAGE_PATH)
            limiter = fetcher._hosts[ORIGIN].limiter
            return limiter.max_rate, limiter.time_period

    assert asyncio.run(go()) == (1, 2.5)
