#!/bin/bash
# A/B at the same load: A = the code before the change (/work/baseline) on a restored copy of the plain
# database (minsheng_bench_plain, pg_restore of the dump taken before the migration); B = the code with
# encryption on the migrated database (minsheng_bench). Alternated A B A B A B, then the ledger pages once
# more with measure_pages.py (A then B).
export DEBUG=1
PY=/work/main/.venv/bin/python
R=/work/main/bench/results
M=/work/main/bench/measure_personal_data.py
for round in 1 2 3; do
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench_plain $PY $M --code /work/baseline --ledger \
    --save $R/personal_data_ab_A$round.json --label "A$round: before, plain" > $R/personal_data_ab_A$round.log 2>&1
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench $PY $M --ledger \
    --save $R/personal_data_ab_B$round.json --label "B$round: encrypted" > $R/personal_data_ab_B$round.log 2>&1
done
cd /work/baseline && DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench_plain $PY bench/measure_pages.py \
  --only ledger filtered --save $R/personal_data_ab_pages_A.json --label "A: before, plain" > $R/personal_data_ab_pages_A.log 2>&1
cd /work/main && DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench $PY bench/measure_pages.py \
  --only ledger filtered --save $R/personal_data_ab_pages_B.json --label "B: encrypted" > $R/personal_data_ab_pages_B.log 2>&1
