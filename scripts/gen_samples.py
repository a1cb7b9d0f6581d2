#!/usr/bin/env python3
"""Generates the demo files under samples/ (seeded, so the output is stable).

samples/web-events.ndjson.gz  PostHog-shaped NDJSON, gzipped, with a few malformed lines
samples/app-events.csv        the same kind of events as CSV (import's column conventions)
"""
import csv, gzip, io, json, random, uuid

rng = random.Random(20240601)
EVENTS = ["$pageview", "signed up", "project created", "invite sent", "file exported", "plan upgraded"]
PLANS = ["free", "pro", "enterprise"]
URLS = ["https://example.com/", "https://example.com/pricing", "https://example.com/docs/start", "https://example.com/blog/launch"]


def event(i, day):
    user = f"user-{rng.randrange(400):04d}"
    name = rng.choice(EVENTS)
    ts = f"2024-03-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
    props = {"plan": rng.choice(PLANS), "seats": rng.randrange(1, 50), "beta": rng.random() < 0.2}
    if name == "$pageview":
        props["$current_url"] = rng.choice(URLS)
    if rng.random() < 0.1:
        props["$groups"] = {"company": f"company-{rng.randrange(30)}"}
    row = {"event": name, "distinct_id": user, "timestamp": ts, "properties": props,
           "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
    if name == "signed up":
        row["$set"] = {"email": f"{user}@example.com", "plan": props["plan"]}
    return row


rows = [event(i, day) for day in range(1, 8) for i in range(400)]
rows.sort(key=lambda r: r["timestamp"])  # imports go best in time order
lines = [json.dumps(r, ensure_ascii=False) for r in rows]
lines.insert(17, '{"event": "broken row", "distinct_id": ')          # truncated JSON
lines.insert(900, '{"event": "no person", "timestamp": "2024-03-03T10:00:00Z"}')  # no distinct_id
lines.insert(1500, '{"event": "bad time", "distinct_id": "user-0001", "timestamp": "yesterday"}')
with gzip.GzipFile("samples/web-events.ndjson.gz", "wb", mtime=0) as f:
    f.write(("\n".join(lines) + "\n").encode())

with open("samples/app-events.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["event", "distinct_id", "timestamp", "plan", "seats", "properties.source", "$set.email", "note"])
    csv_rows = sorted((event(i, day) for day in range(8, 11) for i in range(300)), key=lambda r: r["timestamp"])
    for e in csv_rows:
        if True:
            note = rng.choice(["", "said \"hi\"", "multi\nline", "comma, inside", "01234"])
            w.writerow([e["event"], e["distinct_id"], e["timestamp"].replace("T", " ").rstrip("Z"), e["properties"]["plan"],
                        e["properties"]["seats"], "csv", f'{e["distinct_id"]}@example.com', note])
    w.writerow(["", "user-0002", "2024-03-09 10:00:00", "pro", "1", "csv", "", "missing event name"])
