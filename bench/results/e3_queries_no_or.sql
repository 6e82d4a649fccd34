\timing on
-- A2: office, 水压, capped count without ORDER BY and without "OR number = q"
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%' LIMIT 1001) s;
-- B2: handler, 水压, capped count
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7)) AND bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%' LIMIT 1001) s;
-- C2: handler, 水压, first page
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7)) AND bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%' ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
-- F: office, 水压, first page
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%' ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
