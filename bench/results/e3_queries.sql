\timing on
-- A: office, 水压 (4%), capped count without ORDER BY, bigram filter + exact recheck
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE (bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%') OR c.number = '水压' LIMIT 1001) s;
-- B: handler (department 7), 水压, capped count without ORDER BY
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7)) AND ((bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%') OR c.number = '水压') LIMIT 1001) s;
-- C: handler, 水压, first page (ORDER BY newest LIMIT 25)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7)) AND ((bench_bigrams(c.description) @> ARRAY['水压'] AND upper(c.description) LIKE '%水压%') OR c.number = '水压') ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
-- D: office, a 2-character word that occurs nowhere (蚊子): page as the app issues it today, then with the bigram filter
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE (upper(c.description) LIKE '%蚊子%' OR c.number = '蚊子') ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE ((bench_bigrams(c.description) @> ARRAY['蚊子'] AND upper(c.description) LIKE '%蚊子%') OR c.number = '蚊子') ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
-- E: handler, 3-character word 自建房, capped count without ORDER BY (trigram index)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7)) AND (upper(c.description) LIKE '%自建房%' OR c.number = '自建房') LIMIT 1001) s;
