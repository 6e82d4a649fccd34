-- What one sweep batch's bulk_update of next_escalation_at costs on the wide, 18-index complaints_case
-- (a change of an indexed column is never a HOT update: a new entry in every index, the GIN trigram index
-- on upper(description) included), against the same change in a narrow schedule table (a regular,
-- logged table). The rows are read first, as the sweep's SELECT ... FOR UPDATE does. Everything but the
-- narrow table is rolled back; the narrow table is dropped at the end.
-- Run: psql -h 127.0.0.1 -U postgres minsheng_bench -f bench/results/sweep_update_cost.sql
\timing on
CREATE TEMP TABLE picked AS
  SELECT id, row_number() OVER () AS n FROM (
    SELECT id FROM complaints_case WHERE id BETWEEN 221 AND 1000220 AND next_escalation_at > now() + interval '1 day'
    ORDER BY md5(id::text || 'x') LIMIT 1500) AS chosen;
ANALYZE picked;
CREATE TABLE bench_sweep_narrow AS
  SELECT id AS case_id, next_escalation_at FROM complaints_case WHERE next_escalation_at IS NOT NULL;
ALTER TABLE bench_sweep_narrow ADD PRIMARY KEY (case_id);
CREATE INDEX ON bench_sweep_narrow (next_escalation_at);
VACUUM ANALYZE bench_sweep_narrow;
\echo '=== complaints_case: 500 rows (read first), 3 times, different rows'
BEGIN;
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n <= 500;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n <= 500;
ROLLBACK;
BEGIN;
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 500 AND p.n <= 1000;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 500 AND p.n <= 1000;
ROLLBACK;
BEGIN;
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 1000;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 1000;
ROLLBACK;
\echo '=== the same rows in a narrow (case_id, next_escalation_at) table with its index, 3 times'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE bench_sweep_narrow s SET next_escalation_at = s.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = s.case_id AND p.n <= 500;
ROLLBACK;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE bench_sweep_narrow s SET next_escalation_at = s.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = s.case_id AND p.n > 500 AND p.n <= 1000;
ROLLBACK;
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) UPDATE bench_sweep_narrow s SET next_escalation_at = s.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = s.case_id AND p.n > 1000;
ROLLBACK;
DROP TABLE bench_sweep_narrow;
