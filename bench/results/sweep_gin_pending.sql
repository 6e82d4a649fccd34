-- Why one batch's UPDATE of next_escalation_at sometimes takes 300-500 ms instead of 60: the GIN trigram
-- index on upper(description) gets an entry for every new row version (a change of an indexed column is
-- never a HOT update); its entries collect in the pending list (fastupdate, gin_pending_list_limit 4MB)
-- and the statement that overflows the list merges it into the index. pgstattuple is created inside the
-- transaction and everything is rolled back (the merge itself is physical and stays, which is harmless).
-- Run: psql -h 127.0.0.1 -U postgres minsheng_bench -f bench/results/sweep_gin_pending.sql
\timing on
BEGIN;
CREATE EXTENSION pgstattuple;
CREATE TEMP TABLE picked AS
  SELECT id, row_number() OVER () AS n FROM (
    SELECT id FROM complaints_case WHERE id BETWEEN 221 AND 1000220 AND next_escalation_at > now() + interval '1 day'
    ORDER BY md5(id::text || 'gin') LIMIT 5000) AS chosen;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 1: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 0 AND p.n <= 500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 0 AND p.n <= 500;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 2: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 500 AND p.n <= 1000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 500 AND p.n <= 1000;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 3: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 1000 AND p.n <= 1500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 1000 AND p.n <= 1500;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 4: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 1500 AND p.n <= 2000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 1500 AND p.n <= 2000;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 5: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 2000 AND p.n <= 2500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 2000 AND p.n <= 2500;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 6: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 2500 AND p.n <= 3000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 2500 AND p.n <= 3000;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 7: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 3000 AND p.n <= 3500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 3000 AND p.n <= 3500;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 8: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 3500 AND p.n <= 4000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 3500 AND p.n <= 4000;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 9: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 4000 AND p.n <= 4500;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 4000 AND p.n <= 4500;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
\echo '--- batch 10: 500 rows'
SELECT count(*), sum(length(c.description)) FROM complaints_case c JOIN picked p ON p.id = c.id WHERE p.n > 4500 AND p.n <= 5000;
UPDATE complaints_case c SET next_escalation_at = c.next_escalation_at + interval '1 minute' FROM picked p WHERE p.id = c.id AND p.n > 4500 AND p.n <= 5000;
SELECT pending_pages, pending_tuples FROM pgstatginindex('complaints_case_description_upper_trgm');
ROLLBACK;
