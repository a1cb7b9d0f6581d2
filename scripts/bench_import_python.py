#!/usr/bin/env python3
"""posthog-python sending the same NDJSON file to the same sink, as PostHog's docs suggest for
historical imports: Posthog(..., historical_migration=True). Prints one JSON object.

Usage: bench_import_python.py FILE.ndjson.gz HOST API_KEY [LIMIT] [gzip|none] [THREADS]
"""
import gzip, json, sys, time
from datetime import datetime

from posthog import Posthog

path, host, key = sys.argv[1:4]
limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
compress = (sys.argv[5] if len(sys.argv) > 5 else "gzip") == "gzip"
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
client = Posthog(key, host=host, historical_migration=True, gzip=compress, max_queue_size=100000, flush_at=1000,
                 thread=threads, enable_exception_autocapture=False)
start = time.perf_counter()
count = 0
with gzip.open(path, "rt") as f:
    for line in f:
        e = json.loads(line)
        ts = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        client.capture(e["event"], distinct_id=e["distinct_id"], properties=e["properties"], timestamp=ts, uuid=e["uuid"])
        count += 1
        if count % 5000 == 0:
            client.flush()   # PostHog's docs: flush regularly so the queue never drops
        if limit and count >= limit:
            break
client.flush()
client.shutdown()
elapsed = time.perf_counter() - start
print(json.dumps({"sdk": "posthog-python", "gzip": compress, "threads": threads, "events": count, "seconds": elapsed, "events_per_second": count / elapsed}))
