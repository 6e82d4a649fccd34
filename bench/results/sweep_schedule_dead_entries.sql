-- What the due selection of the sweep costs when the schedule table has not been vacuumed for a while.
-- Every case the sweep handles leaves one dead index entry with a past moment in complaints_schedule_due
-- (its due next_at, replaced by the next one), and bitmap scans do not mark dead entries. With the
-- default autovacuum settings (autovacuum_vacuum_scale_factor 0.2) a 1,000,000-row table is vacuumed
-- after ~200,000 dead rows. Simulated on 200,000 prepared cases never used by the rounds (the benchmark's
-- --restore puts the table back): their next_at moved to the past and back, as a sweep would.
\timing on
VACUUM (ANALYZE) complaints_caseschedule;
CREATE TEMP TABLE dead_sample AS
  SELECT case_id, next_at FROM complaints_caseschedule
  WHERE case_id NOT IN (SELECT id FROM bench_sweep_used) ORDER BY random() LIMIT 200000;
\echo '--- freshly vacuumed, nothing due'
EXPLAIN (ANALYZE, BUFFERS) SELECT case_id, next_at FROM complaints_caseschedule WHERE next_at <= now()
  ORDER BY next_at, case_id LIMIT 500 FOR UPDATE SKIP LOCKED;
UPDATE complaints_caseschedule s SET next_at = now() - interval '1 day' FROM dead_sample d WHERE s.case_id = d.case_id;
UPDATE complaints_caseschedule s SET next_at = d.next_at FROM dead_sample d WHERE s.case_id = d.case_id;
\echo '--- 200,000 dead entries with a past moment, nothing due (three times)'
EXPLAIN (ANALYZE, BUFFERS) SELECT case_id, next_at FROM complaints_caseschedule WHERE next_at <= now()
  ORDER BY next_at, case_id LIMIT 500 FOR UPDATE SKIP LOCKED;
EXPLAIN (ANALYZE, BUFFERS) SELECT case_id, next_at FROM complaints_caseschedule WHERE next_at <= now()
  ORDER BY next_at, case_id LIMIT 500 FOR UPDATE SKIP LOCKED;
EXPLAIN (ANALYZE, BUFFERS) SELECT case_id, next_at FROM complaints_caseschedule WHERE next_at <= now()
  ORDER BY next_at, case_id LIMIT 500 FOR UPDATE SKIP LOCKED;
\echo '--- after VACUUM'
VACUUM (ANALYZE) complaints_caseschedule;
EXPLAIN (ANALYZE, BUFFERS) SELECT case_id, next_at FROM complaints_caseschedule WHERE next_at <= now()
  ORDER BY next_at, case_id LIMIT 500 FOR UPDATE SKIP LOCKED;
