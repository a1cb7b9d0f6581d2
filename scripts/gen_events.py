#!/usr/bin/env python3
"""Generates N synthetic PostHog-shaped events for `make bench`, in time order over 30 days.

Usage: gen_events.py N OUT_DIR   -> OUT_DIR/events.ndjson.gz, OUT_DIR/events.csv, and
OUT_DIR/events-shuffled.ndjson.gz (the same lines in random order: 30 days interleaved)
"""
import csv, gzip, json, random, sys, uuid

n = int(sys.argv[1])
out = sys.argv[2]
rng = random.Random(7)
names = ["$pageview", "signed up", "project created", "invite sent", "file exported", "plan upgraded", "$autocapture"]
urls = ["https://example.com/", "https://example.com/pricing", "https://example.com/docs/a", "https://example.com/blog/é"]
start = 1_704_067_200  # 2024-01-01
step = 30 * 86400 / n
with gzip.open(f"{out}/events.ndjson.gz", "wt", compresslevel=1) as nd, open(f"{out}/events.csv", "w", newline="") as cf:
    w = csv.writer(cf)
    w.writerow(["event", "distinct_id", "timestamp", "uuid", "$current_url", "plan", "seats", "price", "beta", "note"])
    for i in range(n):
        t = start + i * step
        ts = f"{__import__('time').strftime('%Y-%m-%dT%H:%M:%S', __import__('time').gmtime(t))}.{int((t % 1) * 1000):03d}Z"
        ev = rng.choice(names)
        did = f"user-{rng.randrange(50000):05d}"
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        props = {"$current_url": rng.choice(urls), "plan": rng.choice(["free", "pro", "enterprise"]), "seats": rng.randrange(1, 500),
                 "price": round(rng.random() * 100, 2), "beta": rng.random() < 0.3, "note": "said \"hi\", twice" if i % 7 == 0 else "ok",
                 "tags": ["a", "b"], "$lib": "bench"}
        nd.write(json.dumps({"event": ev, "distinct_id": did, "timestamp": ts, "uuid": u, "properties": props}, ensure_ascii=False) + "\n")
        w.writerow([ev, did, ts, u, props["$current_url"], props["plan"], props["seats"], props["price"], str(props["beta"]).lower(), props["note"]])

with gzip.open(f"{out}/events.ndjson.gz", "rt") as f:
    lines = f.readlines()
rng.shuffle(lines)
with gzip.open(f"{out}/events-shuffled.ndjson.gz", "wt", compresslevel=1) as f:
    f.writelines(lines)
