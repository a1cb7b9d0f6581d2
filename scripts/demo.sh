#!/usr/bin/env bash
# Starts a local sink on loopback, imports the files in samples/ (not samples/presets/) into it, prints the summary and what it stored.
set -euo pipefail
bin=${1:-.build/debug/hogport}
work=$(mktemp -d "${TMPDIR:-/tmp}/hogport-demo.XXXXXX")
key=phc_demo_key
"$bin" sink --db "$work/sink.db" --api-key "$key" > "$work/sink.out" 2> "$work/sink.err" &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true; wait $sink_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  [ -s "$work/sink.out" ] && break
  sleep 0.1
done
url=$(head -n 1 "$work/sink.out")
[ -n "$url" ] || { echo "the sink did not start:"; cat "$work/sink.err"; exit 1; }
echo "== sink listening on $url (database $work/sink.db)"
echo "== hogport import samples/ (NDJSON.gz and CSV, with a few malformed rows on purpose)"
set +e
POSTHOG_API_KEY=$key POSTHOG_HOST=$url "$bin" import 'samples/*' --checkpoint "$work/import.db" --progress never
status=$?
set -e
echo "== exit code $status (1 = finished, with rejected rows in $work/import.rejects.ndjson):"
head -n 4 "$work/import.rejects.ndjson" | sed 's/^/   /'
echo "== running the same command again resumes from the checkpoint: nothing is sent twice"
POSTHOG_API_KEY=$key POSTHOG_HOST=$url "$bin" import 'samples/*' --checkpoint "$work/import.db" --progress never | head -n 3
echo "== what the sink stored"
"$bin" sink --db "$work/sink.db" --report
