#!/bin/bash
# Step 4: the code with encryption (/work/main) on the migrated database; same scripts and order as
# personal_data_baseline_run.sh. $1: a suffix for the file names (e.g. r1).
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench DEBUG=1
PY=/work/main/.venv/bin/python
R=/work/main/bench/results
S=${1:-r1}
cd /work/main
for name in hotline reception pages lookups; do
  log=$R/personal_data_after_${name}_$S.log
  echo "== $(date -u +%FT%TZ) $(uptime)" > $log
  case $name in
    hotline) $PY bench/measure_hotline.py >> $log 2>&1 ;;
    reception) $PY bench/measure_reception.py --save $R/personal_data_after_reception_$S.json >> $log 2>&1 ;;
    pages) $PY bench/measure_pages.py --only ledger filtered --save $R/personal_data_after_pages_$S.json --label "encrypted, after migrate" >> $log 2>&1 ;;
    lookups) $PY bench/measure_personal_data.py --ledger --save $R/personal_data_after_lookups_$S.json --label "encrypted, after migrate" >> $log 2>&1 ;;
  esac
  echo "== rc=$? $(date -u +%FT%TZ) $(uptime)" >> $log
done
