-- 003: a snapshot can be positive evidence (a 404 on a model's endpoints page): complete
-- whatever its size, and left out of the recent-median completeness rule.
ALTER TABLE snapshots ADD COLUMN evidence VARCHAR;
