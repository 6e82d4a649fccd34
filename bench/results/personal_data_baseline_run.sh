#!/bin/bash
# Step 1: the code before the change (/work/baseline) on the plain database.
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench DEBUG=1
PY=/work/main/.venv/bin/python
R=/work/main/bench/results
cd /work/baseline
for name in hotline reception pages personal_data; do
  log=$R/personal_data_baseline_$name.log
  echo "== $(date -u +%FT%TZ) $(uptime)" > $log
  case $name in
    hotline) $PY bench/measure_hotline.py >> $log 2>&1 ;;
    reception) $PY bench/measure_reception.py --save $R/personal_data_baseline_reception.json >> $log 2>&1 ;;
    pages) $PY bench/measure_pages.py --only ledger filtered --save $R/personal_data_baseline_pages.json --label "baseline c0a70b6, plain columns" >> $log 2>&1 ;;
    personal_data) $PY /work/main/bench/measure_personal_data.py --code /work/baseline --ledger --save $R/personal_data_baseline_lookups.json --label "baseline c0a70b6, plain columns" >> $log 2>&1 ;;
  esac
  echo "== rc=$? $(date -u +%FT%TZ) $(uptime)" >> $log
done
