#!/usr/bin/env bash
# Starts a local sink on loopback, sends samples/ through hogport, prints what the sink stored.
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
echo "== sending samples/web-events.ndjson.gz through PostHogKit"
POSTHOG_API_KEY=$key "$bin" send --historical --host "$url" samples/web-events.ndjson.gz || true
echo "== what the sink stored"
"$bin" sink --db "$work/sink.db" --report
