-- 015: future-dated facts (issue 21). No table changes: a model whose source states an expiration date
-- ahead is now retired on that date (its UTC midnight) rather than at the first fetch past it. The data
-- step (flows/pipeline/hooks.py) re-derives the keys whose observations state such a date, and their
-- endpoints, so a migrated warehouse holds what a fresh load of the same fetches derives.
SELECT 1;
