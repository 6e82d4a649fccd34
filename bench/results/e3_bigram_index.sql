-- E3 (experiment, bench database only): a bigram index that 2-character Chinese words can use.
-- pg_trgm cannot narrow LIKE '%xy%' (no complete trigram in 2 characters); pg_bigm is not packaged
-- here, so the bigrams come from an IMMUTABLE SQL function and live in an expression GIN index.
SET maintenance_work_mem = '1GB';
CREATE OR REPLACE FUNCTION bench_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
    SELECT coalesce(array_agg(DISTINCT substr(u, i, 2)), '{}'::text[])
    FROM (SELECT upper(t) AS u) s, generate_series(1, length(u) - 1) AS i
$$;
\timing on
CREATE INDEX IF NOT EXISTS bench_case_description_bigrams ON complaints_case USING gin (bench_bigrams(description));
ANALYZE complaints_case;
SELECT pg_size_pretty(pg_relation_size('bench_case_description_bigrams')) AS bigram_index,
       pg_size_pretty(pg_relation_size('complaints_case_description_upper_trgm')) AS trigram_index;
