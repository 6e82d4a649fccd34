-- Where the time of complaints 0015 (archived_at from the archive events) goes, on a restored copy of
-- the plain database (minsheng_bench_plain: schema of complaints 0010, pages packed as after a load,
-- like an organisation's database before the upgrade). Cases 300001-400000 (~93k archived), each variant
-- in a transaction that is rolled back, VACUUM in between.
--   psql -h 127.0.0.1 -U postgres minsheng_bench_plain -f bench/results/personal_data_e1_migration_cost.sql
\timing on
SET jit = off;
VACUUM complaints_case;

\echo '== E0: only the correlated subquery of 0015 (no write)'
EXPLAIN (ANALYZE, BUFFERS) SELECT count(m) FROM (
  SELECT (SELECT MAX(e.created_at) FROM complaints_caseevent e WHERE e.case_id = c.id AND e.action = 'archive') AS m
  FROM complaints_case c WHERE c.state = 'archived' AND c.id BETWEEN 300001 AND 400000) s;

\echo '== E1: 0015 as written (every index of complaints_case maintained: 17, one of them GIN trigram)'
BEGIN;
ALTER TABLE complaints_case ADD COLUMN archived_at timestamptz;
EXPLAIN (ANALYZE, BUFFERS, WAL) UPDATE complaints_case SET archived_at = (
  SELECT MAX(e.created_at) FROM complaints_caseevent e WHERE e.case_id = complaints_case.id AND e.action = 'archive')
  WHERE state = 'archived' AND archived_at IS NULL AND id BETWEEN 300001 AND 400000;
ROLLBACK;
VACUUM complaints_case;

\echo '== E2: the same without the GIN trigram index (dropped inside the transaction)'
BEGIN;
ALTER TABLE complaints_case ADD COLUMN archived_at timestamptz;
DROP INDEX complaints_case_description_upper_trgm;
EXPLAIN (ANALYZE, BUFFERS, WAL) UPDATE complaints_case SET archived_at = (
  SELECT MAX(e.created_at) FROM complaints_caseevent e WHERE e.case_id = complaints_case.id AND e.action = 'archive')
  WHERE state = 'archived' AND archived_at IS NULL AND id BETWEEN 300001 AND 400000;
ROLLBACK;
VACUUM complaints_case;

\echo '== E3: set-based: one pass over the archive events (complaints_event_action), hash join'
BEGIN;
ALTER TABLE complaints_case ADD COLUMN archived_at timestamptz;
EXPLAIN (ANALYZE, BUFFERS, WAL) UPDATE complaints_case c SET archived_at = a.archived
  FROM (SELECT case_id, MAX(created_at) AS archived FROM complaints_caseevent WHERE action = 'archive'
        GROUP BY case_id) a
  WHERE a.case_id = c.id AND c.state = 'archived' AND c.archived_at IS NULL AND c.id BETWEEN 300001 AND 400000;
ROLLBACK;
VACUUM complaints_case;

\echo '== E4: what HOT would give: free space on the page (fillfactor 70 and a rewrite first: VACUUM FULL, timed), GIN kept'
ALTER TABLE complaints_case SET (fillfactor = 70);
VACUUM FULL complaints_case;
ANALYZE complaints_case;
BEGIN;
ALTER TABLE complaints_case ADD COLUMN archived_at timestamptz;
EXPLAIN (ANALYZE, BUFFERS, WAL) UPDATE complaints_case SET archived_at = (
  SELECT MAX(e.created_at) FROM complaints_caseevent e WHERE e.case_id = complaints_case.id AND e.action = 'archive')
  WHERE state = 'archived' AND archived_at IS NULL AND id BETWEEN 300001 AND 400000;
ROLLBACK;
SELECT pg_size_pretty(pg_relation_size('complaints_case')) AS heap_at_fillfactor_70;
ALTER TABLE complaints_case RESET (fillfactor);
