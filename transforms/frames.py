"""Typed, validated frames from parsed records, one schema per entity (pandera).

Rows that fail their schema are split off with the reason, for the quarantine
table; they are never loaded as NULLs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

from transforms.records import Record
from transforms.units import PRICE_SCALE

PRICE_LIMIT = Decimal(10) ** 9
"""USD per million tokens ($1,000 a token) from which a price is absurd: a unit or parse error, not a price."""
ROUTED_PRICE = Decimal(-1_000_000)
"""The one negative price that is not an error: OpenRouter's router models (``openrouter/auto``) quote
-1 USD a token for "the price of the model the request is routed to"; stored as published."""


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


def _text(nullable: bool = True) -> pa.Column:
    checks = [] if nullable else [pa.Check.str_length(min_value=1)]
    return pa.Column(pd.StringDtype(), checks=checks, nullable=nullable)


def _count(nullable: bool = True) -> pa.Column:
    return pa.Column("Int64", checks=pa.Check.ge(0), nullable=nullable)


def _price() -> pa.Column:
    """USD per million tokens, exact to ``PRICE_SCALE`` decimals (as ``price_per_mtok`` rounds them)."""
    return pa.Column(
        object,
        checks=[
            pa.Check(_is_exact_price, element_wise=True, error=f"an exact decimal of at most {PRICE_SCALE} decimals"),
            pa.Check(_not_negative, element_wise=True, error="a price, not negative (but for the router's -1 a token)"),
            pa.Check(_below_limit, element_wise=True, error=f"a price below {PRICE_LIMIT:,} USD per million tokens"),
        ],
        nullable=True,
    )


def _string_set() -> pa.Column:
    return pa.Column(
        object, checks=pa.Check(_sorted_strings, element_wise=True, error="sorted list of strings"), nullable=True
    )


def _date() -> pa.Column:
    return pa.Column(object, nullable=True)


SPEED_METRICS = ("output_tokens_per_s", "time_to_first_token_s", "time_to_first_answer_token_s")

META = {
    "observed_at": pa.Column(pd.DatetimeTZDtype("us", "UTC")),
    "payload_sha256": pa.Column(pd.StringDtype(), checks=pa.Check.str_length(64, 64)),
}
"""Columns every observation carries: when it was observed and the archived payload it came from."""


SCHEMAS: Mapping[str, pa.DataFrameSchema] = {
    "endpoint": pa.DataFrameSchema(
        {
            "source": _text(False),
            "model_id": _text(False),
            "endpoint_key": _text(False),
            "provider": _text(),
            "context_length": _count(),
            "max_output_tokens": _count(),
            "max_prompt_tokens": _count(),
            "input_price_per_mtok": _price(),
            "output_price_per_mtok": _price(),
            "cache_read_price_per_mtok": _price(),
            "cache_write_price_per_mtok": _price(),
            "quantization": _text(),
            "supported_params": _string_set(),
            "supported_params_count": _count(),
            "implicit_caching": pa.Column("boolean", nullable=True),
            "status": pa.Column("Int64", nullable=True),
            **META,
        },
        unique=["source", "model_id", "endpoint_key", "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    ),
    "model": pa.DataFrameSchema(
        {
            "source": _text(False),
            "model_id": _text(False),
            "name": _text(),
            "creator": _text(),
            "canonical_slug": _text(),
            "hugging_face_id": _text(),
            "base_model": _text(),
            "context_window": _count(),
            "max_output_tokens": _count(),
            "input_price_per_mtok": _price(),
            "output_price_per_mtok": _price(),
            "release_date": _date(),
            "knowledge_cutoff": _date(),
            "expiration_date": _date(),
            "last_updated": _date(),
            "open_weights": pa.Column("boolean", nullable=True),
            "status": _text(),
            "input_modalities": _string_set(),
            "output_modalities": _string_set(),
            "supported_params": _string_set(),
            "api_providers": _string_set(),
            "capabilities": _string_set(),
            "description": _text(),
            **META,
        },
        unique=["source", "model_id", "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    ),
    "uptime": pa.DataFrameSchema(
        {
            "source": _text(False),
            "model_id": _text(False),
            "endpoint_key": _text(False),
            "provider": _text(),
            "period": pa.Column(pd.StringDtype(), checks=pa.Check.isin(["5m", "30m", "1d"])),
            "uptime_pct": pa.Column(float, checks=pa.Check.in_range(0.0, 100.0)),
            **META,
        },
        unique=["source", "model_id", "endpoint_key", "period", "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    ),
    "benchmark": pa.DataFrameSchema(
        {
            "source": _text(False),
            "model_id": _text(False),
            "benchmark": _text(False),
            "score": pa.Column(float, checks=pa.Check.in_range(0.0, 100.0)),
            **META,
        },
        unique=["source", "model_id", "benchmark", "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    ),
    "speed": pa.DataFrameSchema(
        {
            "source": _text(False),
            "model_id": _text(False),
            "metric": pa.Column(pd.StringDtype(), checks=pa.Check.isin(list(SPEED_METRICS))),
            "value": pa.Column(float, checks=pa.Check.ge(0.0)),
            **META,
        },
        unique=["source", "model_id", "metric", "observed_at", "payload_sha256"],
        report_duplicates="all",
        strict=True,
        ordered=True,
    ),
}

KEYS: Mapping[str, Sequence[str]] = {
    "endpoint": ("model_id", "endpoint_key"),
    "model": ("model_id",),
    "uptime": ("model_id", "endpoint_key", "period"),
    "benchmark": ("model_id", "benchmark"),
    "speed": ("model_id", "metric"),
}


@dataclass(frozen=True)
class Rejected:
    """A record that failed its entity's schema, and why."""

    entity: str
    row_key: str
    reason: str
    payload_sha256: str
    observed_at: datetime  # with the sha, which fetch of the payload the row came from


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
            )
            for i in reasons
        ]
        return schema.validate(frame.drop(index=list(reasons)), lazy=True), rejected


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
