-- The monthly report's slowest query (dashboard.report.hot_topics, month 2026-11: cases of Oct + Nov by
-- category), three ways. Run: psql $DATABASE_URL -f bench/results/dashboard_report_hot_topics.sql
-- Nothing is changed: SET only affects this session.
\timing off
SELECT attname, correlation FROM pg_stats WHERE tablename = 'complaints_case' AND attname = 'created_at';
\echo '=== 1. as the server is configured (random_page_cost 4, jit on): parallel seq scan of the whole table'
EXPLAIN (ANALYZE, BUFFERS) SELECT "complaints_case"."category_id" AS "category_id", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" >= '2026-11-01 00:00+08') AS "count", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" < '2026-11-01 00:00+08') AS "previous" FROM "complaints_case" WHERE ("complaints_case"."category_id" IS NOT NULL AND "complaints_case"."created_at" >= '2026-10-01 00:00+08' AND "complaints_case"."created_at" < '2026-12-01 00:00+08') GROUP BY 1 HAVING COUNT("complaints_case"."id") FILTER (WHERE ("complaints_case"."created_at" >= '2026-11-01 00:00+08')) > 0 ORDER BY 2 DESC, 1 ASC LIMIT 10;
\echo '=== 2. enable_seqscan off (what the planner rejected: a bitmap scan of complaints_case_newest)'
SET enable_seqscan = off;
EXPLAIN (ANALYZE, BUFFERS) SELECT "complaints_case"."category_id" AS "category_id", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" >= '2026-11-01 00:00+08') AS "count", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" < '2026-11-01 00:00+08') AS "previous" FROM "complaints_case" WHERE ("complaints_case"."category_id" IS NOT NULL AND "complaints_case"."created_at" >= '2026-10-01 00:00+08' AND "complaints_case"."created_at" < '2026-12-01 00:00+08') GROUP BY 1 HAVING COUNT("complaints_case"."id") FILTER (WHERE ("complaints_case"."created_at" >= '2026-11-01 00:00+08')) > 0 ORDER BY 2 DESC, 1 ASC LIMIT 10;
RESET enable_seqscan;
\echo '=== 3. random_page_cost 1.1 (the data is in memory) and jit off'
SET random_page_cost = 1.1;
SET jit = off;
EXPLAIN (ANALYZE, BUFFERS) SELECT "complaints_case"."category_id" AS "category_id", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" >= '2026-11-01 00:00+08') AS "count", COUNT("complaints_case"."id") FILTER (WHERE "complaints_case"."created_at" < '2026-11-01 00:00+08') AS "previous" FROM "complaints_case" WHERE ("complaints_case"."category_id" IS NOT NULL AND "complaints_case"."created_at" >= '2026-10-01 00:00+08' AND "complaints_case"."created_at" < '2026-12-01 00:00+08') GROUP BY 1 HAVING COUNT("complaints_case"."id") FILTER (WHERE ("complaints_case"."created_at" >= '2026-11-01 00:00+08')) > 0 ORDER BY 2 DESC, 1 ASC LIMIT 10;
