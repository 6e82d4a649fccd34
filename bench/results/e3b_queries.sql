-- E3b: two-character words through the bigram index ALONE (for a 2-character word, "contains this
-- bigram" is exactly "contains this word": no LIKE recheck, no OR number = q), capped count
-- without ORDER BY and the first page, for office (all cases) and handler (department 7).
\timing on
\echo '== office 水压 count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['水压'] LIMIT 1001) s;
\echo '== office 水压 page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['水压'] ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
\echo '== handler 水压 count'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7) LIMIT 1) AND bench_bigrams(c.description) @> ARRAY['水压'] LIMIT 1001) s;
\echo '== handler 水压 page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7) LIMIT 1) AND bench_bigrams(c.description) @> ARRAY['水压'] ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
\echo '== handler 水压 count, as the app issues it today (no bigram index usable)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT count(*) FROM (SELECT c.id FROM complaints_case c WHERE EXISTS (SELECT 1 FROM complaints_caseassignment u0 WHERE u0.case_id = c.id AND u0.department_id IN (7) LIMIT 1) AND (upper(c.description) LIKE '%水压%' OR c.number = '水压') LIMIT 1001) s;
\echo '== office 蚊子 (no match) page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['蚊子'] ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
\echo '== office 冻坏 (1%) page'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT c.id FROM complaints_case c WHERE bench_bigrams(c.description) @> ARRAY['冻坏'] ORDER BY c.created_at DESC, c.id DESC LIMIT 25;
