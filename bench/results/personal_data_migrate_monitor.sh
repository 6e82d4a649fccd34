#!/bin/bash
# Polls what the migration's connection is doing every $1 seconds (default 15) until it stops:
# the statement (its first 160 characters: the reseal's SELECT shows how far it has got, `id > N`),
# how long it has run, the wait event, and the size of the tables being rewritten.
INTERVAL=${1:-15}
PSQL="psql -q -h 127.0.0.1 -U postgres -d minsheng_bench -AtX -F | "
while true; do
  now=$(date -u +%H:%M:%S)
  rows=$($PSQL -c "SELECT pid, state, coalesce(wait_event_type||':'||wait_event,'-'),
      round(extract(epoch FROM now() - xact_start)), round(extract(epoch FROM now() - query_start)*1000),
      coalesce('id > ' || substring(query from 'WHERE id > ([0-9]+) ORDER'), '') || ' ' || left(regexp_replace(query, '\s+', ' ', 'g'), 120)
    FROM pg_stat_activity WHERE datname = 'minsheng_bench' AND pid <> pg_backend_pid()
      AND backend_type = 'client backend' AND state <> 'idle'")
  sizes=$($PSQL -c "SET lock_timeout = '2s'" -c "SELECT string_agg(relname || ' ' || pg_size_pretty(pg_total_relation_size(oid)), ', ')
    FROM pg_class WHERE relname IN ('complaints_case', 'reception_visit', 'hotline_call')")
  echo "$now load $(cut -d' ' -f1 /proc/loadavg) | $sizes"
  if [ -n "$rows" ]; then echo "$rows" | sed 's/^/    /'; fi
  [ -f /tmp/stop_monitor ] && break
  sleep $INTERVAL
done
