-- The same batches as sweep_gin_pending.sql with the GIN index's fastupdate off (each new entry goes
-- into the index at once: no pending list, no merge), inside a transaction that is rolled back.
-- Run: psql -h 127.0.0.1 -U postgres minsheng_bench -f bench/results/sweep_gin_fastupdate_off.sql
\timing on
BEGIN;
ALTER INDEX complaints_case_description_upper_trgm SET (fastupdate = off);
CREATE TEMP TABLE picked AS
  SELECT id, row_number() OVER () AS n FROM (
    SELECT id FROM complaints_case WHERE id BETWEEN 221 AND 1000220 AND next_escalation_at > now() + interval '1 day'
    ORDER BY md5(id::text || 'off') LIMIT 5000) AS chosen;
\echo '--- batch 1: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 0 AND p.n <= 500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 0 AND p.n <= 500;
\echo '--- batch 2: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 500 AND p.n <= 1000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 500 AND p.n <= 1000;
\echo '--- batch 3: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 1000 AND p.n <= 1500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 1000 AND p.n <= 1500;
\echo '--- batch 4: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 1500 AND p.n <= 2000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 1500 AND p.n <= 2000;
\echo '--- batch 5: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 2000 AND p.n <= 2500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 2000 AND p.n <= 2500;
\echo '--- batch 6: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 2500 AND p.n <= 3000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 2500 AND p.n <= 3000;
\echo '--- batch 7: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 3000 AND p.n <= 3500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 3000 AND p.n <= 3500;
\echo '--- batch 8: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 3500 AND p.n <= 4000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 3500 AND p.n <= 4000;
\echo '--- batch 9: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 4000 AND p.n <= 4500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 4000 AND p.n <= 4500;
\echo '--- batch 10: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 4500 AND p.n <= 5000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 4500 AND p.n <= 5000;
ROLLBACK;
