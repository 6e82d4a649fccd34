#!/bin/bash
# Key rotation on the 1M database: a new key first, the original (derived) key second, then
# `manage.py personal_data_rekey` (timed), a page read with both keys, then back under the original key
# (original first, new second) so the database works with the default development key again.
# The keys are read from a file outside the repository (never printed).
export DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_bench
cd /work/main
{ read -r NEW; read -r OLD; } < /work/bench-dumps/rekey_keys.txt
stats() {
  psql -h 127.0.0.1 -U postgres minsheng_bench -AtX -F ' ' -c "SELECT relname, 'upd', n_tup_upd, 'hot', n_tup_hot_upd, 'dead', n_dead_tup, 'heap', pg_size_pretty(pg_relation_size(relid)), 'total', pg_size_pretty(pg_total_relation_size(relid)) FROM pg_stat_user_tables WHERE relname IN ('complaints_case', 'reception_visit', 'hotline_call') ORDER BY 1"
}
echo "== before: $(date -u +%FT%TZ) $(uptime)"; stats
echo "== rekey to the new key (PERSONAL_DATA_KEYS=new,original)"
time PERSONAL_DATA_KEYS="$NEW,$OLD" .venv/bin/python manage.py personal_data_rekey
echo "== after: $(date -u +%FT%TZ) $(uptime)"; sleep 1; stats
psql -h 127.0.0.1 -U postgres minsheng_bench -AtX -c "SELECT 'cases by key id: ' || string_agg(k || ' ' || n, ', ') FROM (SELECT left(citizen_phone, 9) k, count(*) n FROM complaints_case WHERE citizen_phone <> '' GROUP BY 1) s"
echo "== pages with both keys (new first)"
PERSONAL_DATA_KEYS="$NEW,$OLD" .venv/bin/python bench/measure_personal_data.py --repeat 10 --label "after rekey, keys new+original" 2>&1 | sed -n '5,12p'
echo "== the original key alone cannot open them (expected: PersonalDataKeyError)"
.venv/bin/python -c "
import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()
from complaints.models import Case
try:
    Case.objects.exclude(citizen_phone='').order_by('-id').first().citizen_phone
    print('opened?!')
except Exception as error:
    print(type(error).__name__ + ':', str(error)[:120])
"
echo "== back under the original key (PERSONAL_DATA_KEYS=original,new)"
time PERSONAL_DATA_KEYS="$OLD,$NEW" .venv/bin/python manage.py personal_data_rekey
echo "== after: $(date -u +%FT%TZ) $(uptime)"; sleep 1; stats
psql -h 127.0.0.1 -U postgres minsheng_bench -AtX -c "SELECT 'cases by key id: ' || string_agg(k || ' ' || n, ', ') FROM (SELECT left(citizen_phone, 9) k, count(*) n FROM complaints_case WHERE citizen_phone <> '' GROUP BY 1) s"
