"""Typed, validated frames from parsed records, one schema per entity (pandera).

Rows that fail their schema are split off with the reason, for the quarantine
table; they are never loaded as NULLs.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

import entities
from entities import (
    DECLARATIONS,
    PRICE,
    PRICE_TIERS,
    STRING_SET,
    TIER_FIELDS,
    TIERED_PRICES,
    WEEKDAYS,
    EntitySpec,
    Kind,
    SeriesSpec,
)
from transforms.hashing import row_hashes
from transforms.records import Record
from transforms.units import PRICE_SCALE

PRICE_LIMIT = Decimal(10) ** 9
"""USD per million tokens ($1,000 a token) from which a price is absurd: a unit or parse error, not a price."""
ROUTED_PRICE = Decimal(-1_000_000)
"""The one negative price that is not an error: OpenRouter's router models (``openrouter/auto``) quote
-1 USD a token for "the price of the model the request is routed to"; stored as published."""
SPEED_METRICS = entities.SPEED_METRICS  # declared in entities; still importable from here


def _import_checks_without_synthesis() -> None:
    """Import pandera's built-in checks without its data synthesis (which modelsync never uses).

    pandera's first validation imports hypothesis for synthesis when it is installed, as it is
    with the dev group: 0.1 s of every command's start. Hidden while the checks are imported, it
    stays importable afterwards; a process that imported it already (the tests) keeps it.
    """
    if "hypothesis" in sys.modules:
        return
    sys.modules["hypothesis"] = None  # type: ignore[assignment]  # `import hypothesis` raises ImportError
    try:
        import pandera.backends.pandas.builtin_checks  # noqa: F401
    finally:
        del sys.modules["hypothesis"]


_import_checks_without_synthesis()


def _is_exact_price(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, Decimal) or not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -PRICE_SCALE


def _not_negative(value: object) -> bool:
    return not isinstance(value, Decimal) or not value.is_finite() or value >= 0 or value == ROUTED_PRICE


def _below_limit(value: object) -> bool:
    return not isinstance(value, Decimal) or not value.is_finite() or abs(value) < PRICE_LIMIT


def _sorted_strings(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value) and value == sorted(set(value))


def _price_tiers(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, list) or not value:
        return False
    order = []
    for tier in value:
        if not isinstance(tier, dict) or not {"price", "price_per_mtok"} <= set(tier) <= set(TIER_FIELDS):
            return False
        price, per_mtok, size = tier["price"], tier["price_per_mtok"], tier.get("above_tokens")
        entry = tier.get("entry")
        if price not in TIERED_PRICES or not (_whole(size, 1) and _whole(entry, 0)):
            return False
        if per_mtok is None or not (_is_exact_price(per_mtok) and _not_negative(per_mtok) and _below_limit(per_mtok)):
            return False
        if not _window(tier.get("utc_start"), tier.get("utc_end")) or not _weekdays(tier.get("utc_days")):
            return False
        order.append((TIERED_PRICES.index(price), -1 if entry is None else entry, size or 0))
    return order == sorted(set(order))


def _whole(value: object, least: int) -> bool:
    """NULL, or a whole number (not a bool) of at least ``least``."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= least)


def _window(start: object, end: object) -> bool:
    """No window, or a daily one: ``"HH:MM"`` from 00:00 to 23:59, its end up to 24:00."""
    if start is None or end is None:
        return start is None and end is None
    return _clock(start, "23:59") and _clock(end, "24:00")


def _clock(value: object, latest: str) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":" or not (value[:2] + value[3:]).isdigit():
        return False
    return value[3] < "6" and value <= latest


def _weekdays(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, list) and bool(value) and set(value) <= set(WEEKDAYS) and value == sorted(set(value))


def _price_checks() -> list[pa.Check]:
    """A price: USD per million tokens, exact to ``PRICE_SCALE`` decimals (as ``price_per_mtok`` rounds them)."""
    return [
        pa.Check(_is_exact_price, element_wise=True, error=f"an exact decimal of at most {PRICE_SCALE} decimals"),
        pa.Check(_not_negative, element_wise=True, error="a price, not negative (but for the router's -1 a token)"),
        pa.Check(_below_limit, element_wise=True, error=f"a price below {PRICE_LIMIT:,} USD per million tokens"),
    ]


def _kind_checks(kind: Kind) -> list[pa.Check]:
    """The checks a declared kind asks for: non-empty text, a range, a set of choices, or its elements' rules."""
    checks = [pa.Check.str_length(min_value=1)] if kind.non_empty else []
    if kind.at_least is not None and kind.at_most is not None:
        checks.append(pa.Check.in_range(kind.at_least, kind.at_most))
    elif kind.at_least is not None:
        checks.append(pa.Check.ge(kind.at_least))
    if kind.choices:
        checks.append(pa.Check.isin(list(kind.choices)))
    if kind == PRICE:
        checks.extend(_price_checks())
    if kind == STRING_SET:
        checks.append(pa.Check(_sorted_strings, element_wise=True, error="sorted list of strings"))
    if kind == PRICE_TIERS:
        order = ", ".join(TIERED_PRICES)
        error = (
            f"tiers sorted by price ({order}), entry and size, each an exact price above a positive token count,"
            " in a daily UTC window HH:MM-HH:MM or on weekdays"
        )
        checks.append(pa.Check(_price_tiers, element_wise=True, error=error))
    return checks


_PANDAS_DTYPES: Mapping[str, Any] = {
    "VARCHAR": pd.StringDtype(),
    "BIGINT": "Int64",
    "INTEGER": "Int64",
    "DOUBLE": float,
    "BOOLEAN": "boolean",
    "DATE": object,  # datetime.date
    PRICE.duckdb_type: object,  # Decimal
    "VARCHAR[]": object,  # list of str
    PRICE_TIERS.duckdb_type: object,  # list of dict
}
"""The pandas dtype a frame holds each DuckDB type's values in before they load."""


def _column(kind: Kind) -> pa.Column:
    """The pandera column of a declared kind: its dtype, its checks, NULL allowed unless it is required."""
    return pa.Column(_PANDAS_DTYPES[kind.duckdb_type], checks=_kind_checks(kind), nullable=not kind.required)


META = {
    "observed_at": pa.Column(pd.DatetimeTZDtype("us", "UTC")),
    "payload_sha256": pa.Column(pd.StringDtype(), checks=pa.Check.str_length(64, 64)),
}
"""Columns every observation carries: when it was observed and the archived payload it came from."""


def _schema(spec: EntitySpec | SeriesSpec) -> pa.DataFrameSchema:
    """The declared record columns, then ``META``; one row per key, observation time and payload."""
    return pa.DataFrameSchema(
        {**{name: _column(kind) for name, kind in spec.columns.items()}, **META},
        unique=[*spec.key, "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    )


SCHEMAS: Mapping[str, pa.DataFrameSchema] = {name: _schema(spec) for name, spec in DECLARATIONS.items()}
"""One schema per entity and series, built from its declaration (``entities``)."""

KEYS: Mapping[str, Sequence[str]] = {name: spec.key[1:] for name, spec in DECLARATIONS.items()}
"""What names a rejected row within its source: its key without ``source``."""


@dataclass(frozen=True)
class Rejected:
    """A record that failed its entity's schema, and why."""

    entity: str
    row_key: str
    reason: str
    payload_sha256: str
    observed_at: datetime  # with the sha, which fetch of the payload the row came from
    position: Any = None  # the row's place among the records validated


def entity_frame(entity: str, records: Sequence[Record]) -> tuple[pd.DataFrame, list[Rejected]]:
    """The valid rows of ``records`` as a typed frame, and the rejected ones with reasons."""
    schema = SCHEMAS[entity]
    frame = _typed(schema, records)
    try:
        return schema.validate(frame, lazy=True), []
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
        row_cases = cases[cases["index"].notna()]
        if len(row_cases) < len(cases):  # a column-level failure: the records are not this entity's shape
            raise ValueError(f"{entity} records do not fit their schema: {_summary(cases)}") from None
        reasons: dict[Any, list[str]] = {}
        for case in row_cases.itertuples():
            reasons.setdefault(case.index, []).append(f"{case.column}: {case.check} (got {case.failure_case!r})")
        bad = frame.loc[list(reasons)]
        observed: dict[Any, datetime] = dict(zip(bad.index, bad["observed_at"].dt.to_pydatetime(), strict=True))
        rejected = [
            Rejected(
                entity,
                "/".join(str(bad.at[i, k]) for k in KEYS[entity]),
                "; ".join(reasons[i]),
                str(bad.at[i, "payload_sha256"]),
                observed[i],
                i,
            )
            for i in reasons
        ]
        return schema.validate(frame.drop(index=list(reasons)), lazy=True), rejected


Occurrence = tuple[Record, datetime, str]
"""A record, when it was observed and the sha256 of the payload it came from."""


def observed_frame(
    entity: str, occurrences: Sequence[Occurrence], hashed: Sequence[str] | None = None
) -> tuple[pd.DataFrame, list[Rejected]]:
    """``entity_frame`` of records with their origins, plus ``attr_hash`` of the ``hashed`` columns when given.

    A record object seen several times (an extractor hands out the same one for an entry a history's
    versions repeat: LiteLLM's map keeps 99% of its entries from one version to the next) is validated
    and hashed once, then repeated for each of its occurrences: the rows and rejects are the ones
    validating every occurrence gives. Should the repeats break the schema's uniqueness, every
    occurrence is validated as one row.
    """
    position: dict[int, int] = {}  # id of a record -> its place among the distinct ones
    rows: list[Record] = []
    where: list[int] = []
    for row, at, sha in occurrences:
        place = position.get(id(row))
        if place is None:
            place = position[id(row)] = len(rows)
            rows.append({**row, "observed_at": at, "payload_sha256": sha})
        where.append(place)
    if len(rows) < len(where):
        shared = _repeated(entity, rows, where, occurrences, hashed)
        if shared is not None:
            return shared
        rows = [{**row, "observed_at": at, "payload_sha256": sha} for row, at, sha in occurrences]
    frame, rejected = entity_frame(entity, rows)
    return (frame if hashed is None else frame.assign(attr_hash=row_hashes(frame, hashed))), rejected


def _repeated(
    entity: str, rows: list[Record], where: list[int], occurrences: Sequence[Occurrence], hashed: Sequence[str] | None
) -> tuple[pd.DataFrame, list[Rejected]] | None:
    """The distinct ``rows`` validated (and hashed), then repeated at each occurrence; None if that breaks
    uniqueness."""
    distinct, rejected = entity_frame(entity, rows)
    if hashed is not None:
        distinct = distinct.assign(attr_hash=row_hashes(distinct, hashed))
    valid = set(distinct.index)
    kept = [i for i, place in enumerate(where) if place in valid]
    frame = distinct.loc[[where[i] for i in kept]].set_axis(kept)  # labelled by occurrence, as entity_frame labels
    frame["observed_at"] = pd.Series([occurrences[i][1] for i in kept], kept, distinct["observed_at"].dtype)
    frame["payload_sha256"] = pd.Series([occurrences[i][2] for i in kept], kept, distinct["payload_sha256"].dtype)
    unique = [*DECLARATIONS[entity].key, "observed_at", "payload_sha256"]
    if frame.duplicated(unique).any():
        return None
    by_place = {r.position: r for r in rejected}
    repeated = [
        Rejected(entity, r.row_key, r.reason, occurrences[i][2], occurrences[i][1], i)
        for i, place in enumerate(where)
        if (r := by_place.get(place)) is not None
    ]
    return frame, repeated


def _typed(schema: pa.DataFrameSchema, records: Sequence[Record]) -> pd.DataFrame:
    columns = list(schema.columns)
    frame = pd.DataFrame.from_records(list(records), columns=columns)
    for name, column in schema.columns.items():
        dtype = column.dtype.type if column.dtype is not None else None
        if dtype is object or dtype is None:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        else:
            frame[name] = frame[name].astype(dtype)
    return frame


def _summary(cases: pd.DataFrame) -> str:
    rows = cases.head(3).itertuples()
    return "; ".join(f"{c.column}: {c.check}" for c in rows)


def arrow_backed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with Arrow-backed columns, ready to load: DuckDB scans them without touching Python objects.

    Decimals and lists in object columns cost a load twice the time of the same rows in Arrow.
    """
    backed: pd.DataFrame = pyarrow.Table.from_pandas(frame, preserve_index=False).to_pandas(types_mapper=pd.ArrowDtype)
    return backed
