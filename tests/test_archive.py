"""The raw archive: gzip bodies stored once by sha256, one append-only JSON line per fetch."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from warehouse.archive import (
    ArchivedPayload,
    ArchiveError,
    archive_payloads,
    object_path,
    parse_rfc3339,
    read_body,
    read_index,
    rfc3339,
    sha256_hex,
)

MODELS_URL = "https://openrouter.ai/api/v1/models"
FETCHED_AT = datetime(2026, 8, 25, 10, 26, 1, tzinfo=UTC)
SYNTHETIC_BODY = b'{"data": [{"id": "synthetic/model-a"}]}'
OTHER_SYNTHETIC_BODY = b'{"data": [{"id": "synthetic/model-b"}]}'


def synthetic_payload(
    body: bytes = SYNTHETIC_BODY,
    fetched_at: datetime = FETCHED_AT,
    status: int = 200,
    url: str = MODELS_URL,
    etag: str | None = '"synthetic-etag"',
) -> ArchivedPayload:
    """The index line a fetch of ``body`` gets."""
    return ArchivedPayload(
        source="openrouter",
        url=url,
        fetched_at=fetched_at,
        status=status,
        sha256=sha256_hex(body),
        bytes=len(body),
        content_type="application/json",
        etag=etag,
        last_modified="Tue, 25 Aug 2026 09:00:00 GMT",
        origin="live",
        run_id="sync-20260825T102601-0000abcd",
    )


def object_files(root: Path) -> list[Path]:
    """Every file under ``objects/``, relative to ``root``."""
    return sorted(p.relative_to(root) for p in (root / "objects").rglob("*") if p.is_file())


def index_lines(root: Path) -> list[str]:
    return (root / "index.jsonl").read_text(encoding="utf-8").splitlines()


# --- writing -------------------------------------------------------------------------------------------------------


def test_a_body_is_stored_gzipped_under_its_sha256(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    payload = synthetic_payload()
    sha = sha256_hex(SYNTHETIC_BODY)

    returned = archive_payloads(root, [(payload, SYNTHETIC_BODY)])

    assert returned == [payload]
    assert object_path(root, sha) == root / "objects" / sha[:2] / f"{sha}.gz"
    assert object_files(root) == [Path("objects") / sha[:2] / f"{sha}.gz"]
    assert gzip.decompress(object_path(root, sha).read_bytes()) == SYNTHETIC_BODY
    assert read_body(root, sha) == SYNTHETIC_BODY


def test_the_index_line_has_every_documented_field(tmp_path: Path) -> None:
    root = tmp_path / "raw"

    archive_payloads(root, [(synthetic_payload(), SYNTHETIC_BODY)])

    [line] = index_lines(root)
    assert json.loads(line) == {
        "source": "openrouter",
        "url": MODELS_URL,
        "fetched_at": "2026-08-25T10:26:01Z",
        "status": 200,
        "content_type": "application/json",
        "sha256": sha256_hex(SYNTHETIC_BODY),
        "bytes": len(SYNTHETIC_BODY),
        "etag": '"synthetic-etag"',
        "last_modified": "Tue, 25 Aug 2026 09:00:00 GMT",
        "origin": "live",
        "run_id": "sync-20260825T102601-0000abcd",
    }


def test_an_archived_payload_reads_back_equal(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    payload = synthetic_payload()

    archive_payloads(root, [(payload, SYNTHETIC_BODY)])

    assert list(read_index(root)) == [payload]


def test_the_same_body_archived_twice_is_stored_once_with_two_index_lines(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    first = synthetic_payload(fetched_at=FETCHED_AT)
    second = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=1))

    archive_payloads(root, [(first, SYNTHETIC_BODY)])
    archive_payloads(root, [(second, SYNTHETIC_BODY)])

    sha = sha256_hex(SYNTHETIC_BODY)
    assert object_files(root) == [Path("objects") / sha[:2] / f"{sha}.gz"]
    assert list(read_index(root)) == [first, second]


def test_the_same_body_twice_in_one_batch_is_stored_once_with_two_index_lines(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    first = synthetic_payload(url=MODELS_URL)
    second = synthetic_payload(url="https://openrouter.ai/api/v1/models?synthetic=1")

    archive_payloads(root, [(first, SYNTHETIC_BODY), (second, SYNTHETIC_BODY)])

    sha = sha256_hex(SYNTHETIC_BODY)
    assert object_files(root) == [Path("objects") / sha[:2] / f"{sha}.gz"]
    assert list(read_index(root)) == [first, second]


def test_a_304_line_points_at_a_body_already_stored(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    stored = synthetic_payload()
    confirmed = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=1), status=304)
    archive_payloads(root, [(stored, SYNTHETIC_BODY)])

    archive_payloads(root, [(confirmed, None)])

    assert list(read_index(root)) == [stored, confirmed]
    assert read_body(root, confirmed.sha256) == SYNTHETIC_BODY


def test_a_304_for_a_body_that_is_not_stored_raises_and_appends_nothing(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    stored = synthetic_payload()
    archive_payloads(root, [(stored, SYNTHETIC_BODY)])
    missing = synthetic_payload(body=OTHER_SYNTHETIC_BODY, status=304)

    with pytest.raises(ArchiveError) as caught:
        archive_payloads(root, [(missing, None)])

    missing_path = object_path(root, sha256_hex(OTHER_SYNTHETIC_BODY))
    assert str(caught.value) == f"{missing_path}: body for {MODELS_URL} is not in the archive"
    assert list(read_index(root)) == [stored]


def test_a_batch_with_a_missing_304_body_appends_none_of_its_lines(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    fresh = synthetic_payload()
    missing = synthetic_payload(body=OTHER_SYNTHETIC_BODY, status=304)

    with pytest.raises(ArchiveError):
        archive_payloads(root, [(fresh, SYNTHETIC_BODY), (missing, None)])

    assert not (root / "index.jsonl").exists()


# --- reading -------------------------------------------------------------------------------------------------------


def test_reading_an_archive_without_an_index_raises_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError) as caught:
        list(read_index(tmp_path))

    assert str(caught.value) == f"{tmp_path / 'index.jsonl'}: no archive index here"


def test_a_torn_last_index_line_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    payload = synthetic_payload()
    archive_payloads(root, [(payload, SYNTHETIC_BODY)])
    torn = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=1)).index_line()[:40]
    with (root / "index.jsonl").open("a", encoding="utf-8") as f:
        f.write(torn)

    assert list(read_index(root)) == [payload]


def test_an_append_after_a_torn_line_drops_the_torn_line(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    good = synthetic_payload()
    archive_payloads(root, [(good, SYNTHETIC_BODY)])
    torn = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=1)).index_line()[:40]
    with (root / "index.jsonl").open("a", encoding="utf-8") as f:
        f.write(torn)
    later = synthetic_payload(body=OTHER_SYNTHETIC_BODY, fetched_at=FETCHED_AT + timedelta(hours=2))

    archive_payloads(root, [(later, OTHER_SYNTHETIC_BODY)])

    assert index_lines(root) == [good.index_line(), later.index_line()]


def test_after_a_torn_line_and_a_new_append_the_good_lines_and_the_new_line_read_back(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    good = synthetic_payload()
    archive_payloads(root, [(good, SYNTHETIC_BODY)])
    torn = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=1)).index_line()[:40]
    with (root / "index.jsonl").open("a", encoding="utf-8") as f:
        f.write(torn)
    later = synthetic_payload(body=OTHER_SYNTHETIC_BODY, fetched_at=FETCHED_AT + timedelta(hours=2))

    archive_payloads(root, [(later, OTHER_SYNTHETIC_BODY)])

    assert list(read_index(root)) == [good, later]


@pytest.mark.parametrize(
    ("bad_line", "complaint"),
    [("{synthetic corrupt line", "Expecting property name"), ('["synthetic", "list"]', "expected a JSON object")],
)
def test_a_bad_line_in_the_middle_raises_naming_the_file_and_line(
    tmp_path: Path, bad_line: str, complaint: str
) -> None:
    root = tmp_path / "raw"
    first = synthetic_payload()
    last = synthetic_payload(fetched_at=FETCHED_AT + timedelta(hours=2))
    index = root / "index.jsonl"
    root.mkdir()
    index.write_text(f"{first.index_line()}\n{bad_line}\n{last.index_line()}\n", encoding="utf-8")

    with pytest.raises(ArchiveError) as caught:
        list(read_index(root))

    assert str(caught.value).startswith(f"{index}, line 2: {complaint}")


def test_a_complete_but_corrupt_last_line_is_not_taken_for_a_torn_one(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    first = synthetic_payload()
    index = root / "index.jsonl"
    root.mkdir()
    index.write_text(f"{first.index_line()}\n{{synthetic corrupt line\n", encoding="utf-8")

    with pytest.raises(ArchiveError) as caught:
        list(read_index(root))

    assert str(caught.value).startswith(f"{index}, line 2: ")


def test_unknown_fields_in_an_index_line_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    payload = synthetic_payload()
    record = {**json.loads(payload.index_line()), "synthetic_future_field": {"nested": [1, 2]}}
    root.mkdir()
    (root / "index.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")

    assert list(read_index(root)) == [payload]


def test_optional_fields_missing_from_an_index_line_read_as_defaults(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    record = {
        "source": "openrouter",
        "url": MODELS_URL,
        "fetched_at": "2026-08-25T10:26:01Z",
        "status": 200,
        "sha256": sha256_hex(SYNTHETIC_BODY),
        "bytes": len(SYNTHETIC_BODY),
    }
    root.mkdir()
    (root / "index.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")

    assert list(read_index(root)) == [
        ArchivedPayload(
            source="openrouter",
            url=MODELS_URL,
            fetched_at=FETCHED_AT,
            status=200,
            sha256=sha256_hex(SYNTHETIC_BODY),
            bytes=len(SYNTHETIC_BODY),
            content_type=None,
            etag=None,
            last_modified=None,
            origin="live",
        )
    ]


def test_read_body_of_a_tampered_object_raises(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    archive_payloads(root, [(synthetic_payload(), SYNTHETIC_BODY)])
    sha = sha256_hex(SYNTHETIC_BODY)
    path = object_path(root, sha)
    path.write_bytes(gzip.compress(b'{"data": [{"id": "synthetic/tampered"}]}'))

    with pytest.raises(ArchiveError) as caught:
        read_body(root, sha)

    assert str(caught.value) == f"{path}: body does not match its sha256"


def test_read_body_of_an_object_that_is_not_gzip_raises(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    archive_payloads(root, [(synthetic_payload(), SYNTHETIC_BODY)])
    sha = sha256_hex(SYNTHETIC_BODY)
    path = object_path(root, sha)
    path.write_bytes(b"synthetic bytes that are not gzip")

    with pytest.raises(ArchiveError) as caught:
        read_body(root, sha)

    assert str(caught.value).startswith(f"{path}: cannot read archived body (")


def test_read_body_of_a_missing_object_raises(tmp_path: Path) -> None:
    sha = sha256_hex(SYNTHETIC_BODY)

    with pytest.raises(ArchiveError) as caught:
        read_body(tmp_path, sha)

    assert str(caught.value).startswith(f"{object_path(tmp_path, sha)}: cannot read archived body (")


# --- helpers -------------------------------------------------------------------------------------------------------


def test_sha256_hex_is_the_hex_digest() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_rfc3339_writes_utc_with_z() -> None:
    assert rfc3339(FETCHED_AT) == "2026-08-25T10:26:01Z"
    assert rfc3339(datetime(2026, 8, 25, 12, 26, 1, tzinfo=timezone(timedelta(hours=2)))) == "2026-08-25T10:26:01Z"
    assert rfc3339(datetime(2026, 8, 25, 10, 26, 1, 250000, tzinfo=UTC)) == "2026-08-25T10:26:01.250000Z"


def test_rfc3339_refuses_a_naive_timestamp() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        rfc3339(datetime(2026, 8, 25, 10, 26, 1))


def test_parse_rfc3339_reads_z_and_offsets_as_utc() -> None:
    assert parse_rfc3339("2026-08-25T10:26:01Z") == FETCHED_AT
    assert parse_rfc3339("2026-08-25T12:26:01+02:00") == FETCHED_AT
    assert parse_rfc3339("2026-08-25T12:26:01+02:00").tzinfo == UTC
    assert parse_rfc3339(rfc3339(FETCHED_AT)) == FETCHED_AT


def test_parse_rfc3339_refuses_a_timestamp_without_a_zone() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        parse_rfc3339("2026-08-25T10:26:01")


def test_a_dead_writers_temp_file_is_swept_and_a_live_or_foreign_one_kept(tmp_path: Path) -> None:
    import os
    import socket

    root = tmp_path / "raw"
    (root / "tmp").mkdir(parents=True)
    sha = sha256_hex(OTHER_SYNTHETIC_BODY)  # temp files of other writers, for another body
    dead = root / "tmp" / f"{sha}.{socket.gethostname()}.{2**22 + 12345}.tmp"  # above any pid_max in use here
    live = root / "tmp" / f"{sha}.{socket.gethostname()}.{os.getpid()}.tmp"
    foreign = root / "tmp" / f"{sha}.synthetic-other-host.1.tmp"
    for path in (dead, live, foreign):
        path.write_bytes(b"half a body")

    archive_payloads(root, [(synthetic_payload(), SYNTHETIC_BODY)])

    assert sorted(p.name for p in (root / "tmp").iterdir()) == sorted([live.name, foreign.name])
    assert read_body(root, sha256_hex(SYNTHETIC_BODY)) == SYNTHETIC_BODY
