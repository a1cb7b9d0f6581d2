#!/usr/bin/env bash
# make bench: measurements, reported and never asserted. Release build; numbers depend on the machine.
#   BENCH_EVENTS   events for the import benchmark (default 1000000)
#   BENCH_PYTHON_EVENTS  events posthog-python sends (default 200000; it is slow)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${BENCH_EVENTS:-1000000}
py_events=${BENCH_PYTHON_EVENTS:-200000}
shared=${HOGPORT_SHARED_DIR:-../shared}
out=$(mktemp -d "${TMPDIR:-/tmp}/hogport-bench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

echo "== release build"
swift build -c release --product hogport >/dev/null
swift build -c release --product hogport-bench >/dev/null
bin=.build/release/hogport
bench=.build/release/hogport-bench
python3 -c "import posthog" 2>/dev/null || pip install -q posthog==7.91.1

peak() {  # peak() OUTFILE CMD...: runs CMD, writes its peak RSS (KiB) to OUTFILE
  local rss=$1; shift
  python3 - "$rss" "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[2:])
open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(r.returncode)
PY
}

start_sink() {  # start_sink NAME [ARGS...] -> URL in $url
  local name=$1; shift
  rm -f "$out/$name.out"
  "$bin" sink --db "$out/$name.db" --api-key phc_bench "$@" > "$out/$name.out" 2>/dev/null &
  for _ in $(seq 1 100); do [ -s "$out/$name.out" ] && break; sleep 0.1; done
  url=$(head -n 1 "$out/$name.out")
}

echo "== hot path (one core): parse, encode, gzip"
"$bench" core

echo "== flags: local evaluation of the public vector set"
"$bench" flags --vectors "$shared/vectors/flags/public" | tee "$out/flags-swift.json"
start_sink flags --personal-api-key phx_bench --flags "$shared/vectors/flags/public/definitions.json"
python3 scripts/bench_flags.py --host "$url" --cases "$shared/vectors/flags/public/cases.jsonl" --api-key phc_bench --secret phx_bench | tee "$out/flags-python.json"
python3 - "$out/flags-swift.json" "$out/flags-python.json" <<'PY'
import json, sys
s, p = (json.load(open(f)) for f in sys.argv[1:3])
print(f"flags: per evaluation {s['per_evaluation_us']:.2f} us vs posthog-python {p['per_evaluation_us']:.1f} us "
      f"= {p['per_evaluation_us'] / s['per_evaluation_us']:.0f}x faster; all {s['all_flags_count']} flags for one user "
      f"{s['all_flags_us']:.1f} us (posthog-python, {p['flags']} flags: {p['all_flags_us']:.0f} us)")
PY

echo "== PostHogKit client: capture into a loopback sink"
"$bench" client --events 200000

echo "== PostHogKit capture latency (per call): healthy loopback sink, then a host refusing connections"
"$bench" latency --events 100000

echo "== import: $events synthetic events"
python3 scripts/gen_events.py "$events" "$out"
ls -l "$out"/events.* | awk '{print "   " $5 " bytes  " $9}'
# auto compression skips gzip to a loopback host; the gzip run shows the cost of compressing for a remote one.
for run in ndjson.gz:auto csv:auto ndjson.gz:gzip; do
  fmt=${run%%:*}; comp=${run##*:}; tag="$fmt-$comp"
  start_sink "import-$tag"
  t0=$(date +%s.%N)
  POSTHOG_API_KEY=phc_bench peak "$out/rss-$tag" "$bin" import "$out/events.$fmt" --host "$url" --rate 0 --compression "$comp" \
    --checkpoint "$out/ck-$tag.db" --progress never --log-format json --summary-json "$out/summary-$tag.json" > /dev/null
  t1=$(date +%s.%N)
  t2=$(date +%s.%N)
  POSTHOG_API_KEY=phc_bench "$bin" import "$out/events.$fmt" --host "$url" --checkpoint "$out/ck-$tag.db" --progress never > /dev/null
  t3=$(date +%s.%N)
  python3 - "$out/summary-$tag.json" "$out/rss-$tag" "$fmt, compression $comp" "$t0" "$t1" "$t2" "$t3" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); rss = int(open(sys.argv[2]).read()); fmt = sys.argv[3]
t0, t1, t2, t3 = map(float, sys.argv[4:8])
print(f"import {fmt}: {s['sent']} events in {t1 - t0:.2f} s = {s['sent'] / (t1 - t0):,.0f} events/s (wall, process start to exit); "
      f"peak RSS {rss / 1024:.1f} MiB; re-run of the finished job {t3 - t2:.2f} s")
PY
  { kill %% && wait %%; } 2>/dev/null || true
done

echo "== export: the events the first import stored, out of a sink through the query API, and back in"
start_sink import-ndjson.gz-auto --personal-api-key phx_bench
t0=$(date +%s.%N)
POSTHOG_PERSONAL_API_KEY=phx_bench peak "$out/rss-export" "$bin" export --project-id 1 --host "$url" --since 2000-01-01 --until 2100-01-01 \
  --out "$out/export" --gzip --page-size 50000 --requests-per-minute 100000 --requests-per-hour 1000000 --progress never \
  --summary-json "$out/summary-export.json" > /dev/null
t1=$(date +%s.%N)
{ kill %% && wait %%; } 2>/dev/null || true
start_sink reimport
POSTHOG_API_KEY=phc_bench "$bin" import --preset posthog "$out/export" --host "$url" --rate 0 --checkpoint "$out/ck-reimport.db" \
  --progress never --summary-json "$out/summary-reimport.json" > /dev/null
{ kill %% && wait %%; } 2>/dev/null || true
python3 - "$out/summary-export.json" "$out/rss-export" "$t0" "$t1" "$out/summary-reimport.json" "$out/export" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1])); rss = int(open(sys.argv[2]).read()); t0, t1 = map(float, sys.argv[3:5])
r = json.load(open(sys.argv[5])); size = sum(os.path.getsize(os.path.join(sys.argv[6], f)) for f in os.listdir(sys.argv[6]) if f.startswith("events-"))
print(f"export: {s['rows']} events in {t1 - t0:.2f} s = {s['rows'] / (t1 - t0):,.0f} events/s ({s['requests']} queries, {size / 1e6:.1f} MB of gzip NDJSON); "
      f"peak RSS {rss / 1024:.1f} MiB; imported back: {r['sent']} sent, {r['rejected']} rejected")
PY

echo "== posthog-python on the same file ($py_events events), without and with gzip like the two hogport runs"
for comp in none gzip; do
  start_sink "python-$comp"
  python3 scripts/bench_import_python.py "$out/events.ndjson.gz" "$url" phc_bench "$py_events" "$comp" | tee "$out/python-$comp.json"
  { kill %% && wait %%; } 2>/dev/null || true
done
python3 - "$out/summary-ndjson.gz-auto.json" "$out/python-none.json" "$out/summary-ndjson.gz-gzip.json" "$out/python-gzip.json" <<'PY'
import json, sys
h, p, hg, pg = (json.load(open(f)) for f in sys.argv[1:5])
print(f"uncompressed: hogport {h['events_per_second']:,.0f} events/s vs posthog-python {p['events_per_second']:,.0f} events/s = {h['events_per_second'] / p['events_per_second']:.0f}x")
print(f"gzip:         hogport {hg['events_per_second']:,.0f} events/s vs posthog-python {pg['events_per_second']:,.0f} events/s = {hg['events_per_second'] / pg['events_per_second']:.0f}x")
PY
