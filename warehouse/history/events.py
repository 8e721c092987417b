"""SQL fragments of the derivation: a window's events per key (seed, observations, tombstones).

Pure text: nothing here runs SQL; ``derive`` builds its temp tables from these.
"""

from __future__ import annotations

from collections.abc import Sequence

from entities import ENTITIES, EntitySpec


def _match(spec: EntitySpec, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in spec.key)


def _cols(alias: str, names: Sequence[str]) -> str:
    return ", ".join(f"{alias}.{c}" for c in names)


def _volatile(spec: EntitySpec) -> str:
    return "".join(f", {c}" for c in spec.volatile)


def _events(spec: EntitySpec) -> str:
    """SQL (CTEs ``obs`` to ``events``): the window's events per key: its seed, observations and tombstones."""
    key = ", ".join(spec.key)
    vol = _volatile(spec)
    null_vol = "".join(f", NULL AS {c}" for c in spec.volatile)
    retired_sql = f"coalesce(({spec.retired_when}), false)" if spec.retired_when else "false"
    retires_at = f", {_retires_at(spec, 'r')} AS retires_at" if spec.retires_on else ""
    scheduled = (
        f"\n            UNION ALL\n            SELECT {key}, 'deleted', true, observed_at, payload_sha256{null_vol}"
        " FROM scheduled"
        if spec.retires_on
        else ""
    )
    return f"""obs AS (
            SELECT {", ".join(f"t.{c}" for c in spec.key)}, t.observed_at, t.attr_hash, t.payload_sha256,
                {retired_sql} AS retired{"".join(f", t.{c}" for c in spec.volatile)}{retires_at}
            FROM {spec.observations} t JOIN window_keys w ON {_match(spec, "w", "t")}{_retirement_facts(spec, "t")}
            WHERE t.observed_at >= $floor AND t.observed_at >= w.since
            QUALIFY row_number() OVER (
                PARTITION BY {", ".join(f"t.{c}" for c in spec.key)}, t.observed_at
                ORDER BY t.attr_hash, t.payload_sha256) = 1  -- by content, never load order
        ),
        first_seen AS (
            SELECT {", ".join(f"w.{c}" for c in spec.key)}, {spec.scope_expr.replace("t.", "w.")} AS scope, w.since,
                least(w.first_version, m.first_observed) AS first_at
            FROM window_keys w
            LEFT JOIN (SELECT {key}, min(observed_at) AS first_observed FROM obs GROUP BY ALL) m
                ON {_match(spec, "m", "w")}
        ),
        absences AS (
            SELECT {", ".join(f"f.{c}" for c in spec.key)}, s.observed_at, s.recorded_at, s.payload_sha256
            FROM first_seen f
            JOIN snapshots s ON s.entity = '{spec.name}' AND s.source = f.source AND s.scope = f.scope
                AND s.complete AND s.observed_at >= f.since AND s.observed_at > f.first_at
            {_parent_absences(spec)}
        ),
        tombstones AS (  -- with a grace ($grace), an absence counts once the key is still absent that long after
            SELECT {key}, observed_at, min(recorded_at) AS recorded_at, min(payload_sha256) AS payload_sha256
            FROM absences f
            WHERE NOT EXISTS (SELECT 1 FROM obs o WHERE {_match(spec, "o", "f")} AND o.observed_at = f.observed_at)
              AND (CAST($grace AS INTERVAL) <= INTERVAL 0 SECOND OR EXISTS (
                  SELECT 1 FROM absences l
                  WHERE {_match(spec, "l", "f")} AND l.observed_at >= f.observed_at + CAST($grace AS INTERVAL)
                    AND NOT EXISTS (SELECT 1 FROM obs o WHERE {_match(spec, "o", "f")}
                                    AND o.observed_at BETWEEN f.observed_at AND l.observed_at)))
            GROUP BY ALL
        ),{_scheduled(spec)}
        seeds AS (
            SELECT {", ".join(f"v.{c}" for c in spec.key)}, v.attr_hash,
                v.is_deleted, v.valid_from AS observed_at, v.payload_sha256{_seed_volatile(spec)}
            FROM {spec.versions} v JOIN window_keys w ON {_match(spec, "v", "w")} AND v.valid_from = w.seed_from
            WHERE v.superseded_at IS NULL
        ),
        events AS (
            SELECT {key}, attr_hash, is_deleted, observed_at, payload_sha256{vol} FROM seeds
            UNION ALL
            SELECT {key}, CASE WHEN retired THEN 'deleted' ELSE attr_hash END, retired,
                observed_at, payload_sha256{vol} FROM obs
            UNION ALL
            SELECT {key}, 'deleted', true, observed_at, payload_sha256{null_vol} FROM tombstones{scheduled}
        )"""


def _retires_at(spec: EntitySpec, alias: str) -> str:
    """SQL: the instant the attributes ``alias`` say the key retires (UTC midnight of ``spec.retires_on``)."""
    return f"timezone('UTC', CAST({alias}.{spec.retires_on} AS TIMESTAMP))"


def _scheduled(spec: EntitySpec) -> str:
    """SQL (CTEs ``stated``, ``scheduled``): tombstones an observation dates in the future.

    An observation stating a retirement day after it (an expiration date) retires the key at that day's
    UTC midnight, unless another observation of the key comes before then (it restates or withdraws the
    date). The key's last observation before the window counts too: its date may fall in the window.
    """
    if not spec.retires_on:
        return ""
    key = ", ".join(spec.key)
    return f"""
        stated AS (
            SELECT {key}, observed_at, payload_sha256, retires_at FROM obs WHERE retires_at > observed_at
            UNION ALL
            SELECT {key}, observed_at, payload_sha256, retires_at FROM (
                SELECT {_cols("t", spec.key)}, t.observed_at, t.payload_sha256, {_retires_at(spec, "r")} AS retires_at,
                    w.since
                FROM {spec.observations} t JOIN window_keys w ON {_match(spec, "w", "t")}{_retirement_facts(spec, "t")}
                WHERE t.observed_at >= w.seed_from AND t.observed_at < w.since
                QUALIFY row_number() OVER (PARTITION BY {_cols("t", spec.key)}
                                           ORDER BY t.observed_at DESC, t.attr_hash, t.payload_sha256) = 1
            ) WHERE retires_at > observed_at AND retires_at >= since
        ),
        scheduled AS (
            SELECT {key}, s.retires_at AS observed_at, s.payload_sha256
            FROM stated s
            WHERE NOT EXISTS (SELECT 1 FROM obs o WHERE {_match(spec, "o", "s")}
                              AND o.observed_at > s.observed_at AND o.observed_at <= s.retires_at)
              AND NOT EXISTS (SELECT 1 FROM tombstones t WHERE {_match(spec, "t", "s")}
                              AND t.observed_at = s.retires_at)
        ),"""


def _repeats(spec: EntitySpec) -> str:
    """SQL: the window keys whose window only repeats their open current version (a conservative test).

    Such a key's events would be its seed (the open, current version ``v``) and observations
    with ``v``'s hash after it: no retirement, no tombstone (every complete listing of its
    scope, and of its parent's, in the window observes it), and the latest observation's
    volatile fields are ``v``'s. The derivation would yield ``v`` unchanged. A key with
    volatile fields and no observation in its window is not taken: its seed's volatile
    fields would be recomputed from older observations.
    """
    key = ", ".join(f"h.{c}" for c in spec.key)
    retired = f"coalesce(({spec.retired_when}), false)" if spec.retired_when else "false"
    volatile = "".join(
        f" AND first(o.{c} ORDER BY o.observed_at DESC, o.attr_hash, o.payload_sha256) IS NOT DISTINCT FROM"
        f" any_value(h.{c})"
        for c in spec.volatile
    )  # the derivation takes the latest instant's observation, choosing between those of one instant by content
    held_volatile = "".join(f", v.{c}" for c in spec.volatile)
    return f"""
        WITH held AS (
            SELECT {", ".join(f"w.{c}" for c in spec.key)}, w.since, v.attr_hash{held_volatile}
            FROM window_keys w JOIN {spec.versions} v ON {_match(spec, "v", "w")} AND v.valid_from = w.seed_from
            WHERE v.superseded_at IS NULL AND v.valid_to IS NULL AND NOT v.is_deleted
        ),
        observed AS (
            SELECT {key}, bool_and(o.attr_hash = h.attr_hash AND NOT {retired}){volatile} AS repeats
            FROM held h JOIN {spec.observations} o ON {_match(spec, "o", "h")}{_retirement_facts(spec, "o")}
            WHERE o.observed_at >= h.since AND o.observed_at >= $earliest
            GROUP BY ALL
        ),
        unlisted AS (
            SELECT {key}
            FROM held h JOIN snapshots s ON s.entity = '{spec.name}' AND s.source = h.source
                AND s.scope = {spec.scope_expr.replace("t.", "h.")} AND s.complete
                AND s.observed_at >= h.since AND s.observed_at >= $earliest
            WHERE NOT EXISTS (SELECT 1 FROM {spec.observations} o
                              WHERE {_match(spec, "o", "h")} AND o.observed_at = s.observed_at
                                AND o.observed_at >= $earliest)  -- a constant bound: zone maps skip older rows
            {_parent_unlisted(spec)}
        )
        SELECT {key} FROM held h LEFT JOIN observed o ON {_match(spec, "o", "h")}
        WHERE coalesce(o.repeats, {"false" if spec.volatile else "true"})
          AND NOT EXISTS (SELECT 1 FROM unlisted u WHERE {_match(spec, "u", "h")})"""


def _parent_unlisted(spec: EntitySpec) -> str:
    """SQL (a UNION branch of ``_repeats``): keys whose parent a complete parent listing in the window lacked."""
    if spec.parent is None:
        return ""
    parent, match, retired = _parent_terms(spec.parent, "h")
    return f"""
            UNION ALL
            SELECT {", ".join(f"h.{c}" for c in spec.key)}
            FROM held h JOIN snapshots s ON s.entity = '{parent.name}' AND s.source = h.source
                AND s.scope = {parent.scope_expr.replace("t.", "h.")} AND s.complete
                AND s.observed_at >= h.since AND s.observed_at >= $earliest
            WHERE NOT EXISTS (SELECT 1 FROM {parent.observations} p{_retirement_facts(parent, "p")}
                              WHERE {match} AND p.observed_at = s.observed_at AND p.observed_at >= $earliest
                                AND NOT {retired}){_parent_scheduled(spec, parent, "held", "h")}"""


def _seed_volatile(spec: EntitySpec) -> str:
    """SQL columns: a seed's volatile fields, latest among its observations before the window.

    Observations of one instant are chosen between as the derivation does: by content.

    Not the stored value: a backfill can cut the seed version, and the stored latest value
    may belong to an observation that now falls in a later version.
    """
    return "".join(
        f""", (SELECT first(o.{c} ORDER BY o.observed_at DESC, o.attr_hash, o.payload_sha256)
              FROM {spec.observations} o
              WHERE {" AND ".join(f"o.{k} = w.{k}" for k in spec.key)}
                AND o.observed_at >= w.seed_from AND o.observed_at < w.since) AS {c}"""
        for c in spec.volatile
    )


def _version_starts(spec: EntitySpec) -> str:
    """SQL keeping the first event of each version; its volatile fields are the version's latest."""
    if not spec.volatile:
        return "SELECT * FROM grouped WHERE is_start = 1"
    key = ", ".join(spec.key)
    latest = ", ".join(
        f"last_value({c}) OVER (PARTITION BY {key}, grp ORDER BY observed_at "
        f"ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS {c}"
        for c in spec.volatile
    )
    return f"SELECT * REPLACE ({latest}) FROM grouped QUALIFY is_start = 1"


def _parent_absences(spec: EntitySpec) -> str:
    """SQL (a UNION branch) for times a complete parent listing lacked a key's parent."""
    if spec.parent is None:
        return ""
    parent, match, retired = _parent_terms(spec.parent, "f")
    scheduled = _parent_scheduled(
        spec, parent, "first_seen", "f",
        columns=", p.retires_at, p.recorded_at, p.payload_sha256", also=" AND p.retires_at > f.first_at",
    )  # fmt: skip
    return f"""
            UNION ALL
            SELECT {", ".join(f"f.{c}" for c in spec.key)}, s.observed_at, s.recorded_at, s.payload_sha256
            FROM first_seen f
            JOIN snapshots s ON s.entity = '{parent.name}' AND s.source = f.source
                AND s.scope = {parent.scope_expr.replace("t.", "f.")} AND s.complete
                AND s.observed_at >= f.since AND s.observed_at > f.first_at
            WHERE NOT EXISTS (SELECT 1 FROM {parent.observations} p{_retirement_facts(parent, "p")}
                              WHERE {match} AND p.observed_at = s.observed_at AND p.observed_at >= $floor
                                AND NOT {retired}){scheduled}"""


def _parent_scheduled(
    spec: EntitySpec, parent: EntitySpec, rows: str, alias: str, *, columns: str = "", also: str = ""
) -> str:
    """SQL (a UNION branch): each key of ``rows`` (aliased ``alias``) whose parent is scheduled to retire in its
    window (``_parent_schedule``, aliased ``p``), with ``columns``, where ``also`` holds too."""
    if not parent.retires_on:
        return ""
    return f"""
            UNION ALL
            SELECT {", ".join(f"{alias}.{c}" for c in spec.key)}{columns}
            FROM {rows} {alias} JOIN ({_parent_schedule(parent, rows)}) p
                ON {" AND ".join(f"p.{c} = {alias}.{c}" for c in parent.key)}
            WHERE p.retires_at >= {alias}.since{also}"""


def _parent_schedule(parent: EntitySpec, children: str) -> str:
    """SQL: each retirement the parents of the rows of ``children`` are scheduled for, as their own derivation
    schedules it (an observation dating it in the future, no observation of the parent from then to that day)."""
    pkey = _cols("p", parent.key)
    retires_at = _retires_at(parent, "r")
    return f"""
                SELECT {pkey}, p.observed_at, p.recorded_at, p.payload_sha256, {retires_at} AS retires_at
                FROM {parent.observations} p{_retirement_facts(parent, "p")}
                WHERE r.{parent.retires_on} IS NOT NULL AND {retires_at} > p.observed_at
                  AND ({pkey}) IN (SELECT DISTINCT {_cols("c", parent.key)} FROM {children} c)
                  AND NOT EXISTS (SELECT 1 FROM {parent.observations} q
                                  WHERE {" AND ".join(f"q.{c} = p.{c}" for c in parent.key)}
                                    AND q.observed_at > p.observed_at AND q.observed_at <= {retires_at})
                QUALIFY row_number() OVER (PARTITION BY {pkey}, p.observed_at
                                           ORDER BY p.attr_hash, p.payload_sha256) = 1"""


def _parent_terms(name: str, alias: str) -> tuple[EntitySpec, str, str]:
    """The parent entity, SQL matching its observation ``p`` to the child row ``alias``, and SQL
    saying ``p`` is retired by positive evidence (a parent listed but retired keeps no children)."""
    parent = ENTITIES[name]
    match = " AND ".join(f"p.{c} = {alias}.{c}" for c in parent.key)
    retired = f"coalesce(({parent.retired_when}), false)" if parent.retired_when else "false"
    return parent, match, retired


def _retirement_facts(spec: EntitySpec, alias: str) -> str:
    """SQL joining an observation ``alias`` to its attributes, when the entity's retirement rule reads them."""
    if not spec.retired_when:
        return ""
    match = " AND ".join(f"r.{c} = {alias}.{c}" for c in (*spec.key, "attr_hash"))
    return f" JOIN {spec.attribute_table} r ON {match}"
