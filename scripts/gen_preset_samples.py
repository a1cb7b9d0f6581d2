#!/usr/bin/env python3
"""Generates the preset samples under samples/presets/ from the vendor samples in
Tests/Fixtures/formats, adding a few rows that exercise more of each
preset's rules. Stable output: fixed zip times, gzip mtime 0.

samples/presets/amplitude-export.zip         Export API zip: a stored and a deflated .json.gz entry, a directory
samples/presets/amplitude-autocapture.json   a loose file: web autocapture clicks and changes
samples/presets/mixpanel-export.jsonl        raw export lines, with $create_alias, $merge and a time in ms
samples/presets/segment-archive.ndjson.gz    archived calls: identify, track, alias, page, screen, group
samples/presets/posthog-batch-export.jsonl   PostHog batch-export rows (properties as a JSON string, person_id)

These files are not in samples/ itself: `make demo` imports samples/* (PostHog-shaped files only).
"""
import gzip, io, json, os, sys, zipfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
formats = os.path.join(root, "Tests", "Fixtures", "formats")
out = os.path.join(root, "samples", "presets")
os.makedirs(out, exist_ok=True)


def gz(text):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(text.encode())
    return buf.getvalue()


def lines(rows):
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows)


# Amplitude: the shared export's entries, stored as they are, plus a deflated entry of more rows.
STAMP = (2024, 7, 7, 1, 0, 0)
with zipfile.ZipFile(os.path.join(formats, "amplitude-export.zip")) as src, \
        zipfile.ZipFile(os.path.join(out, "amplitude-export.zip"), "w") as dst:
    dst.writestr(zipfile.ZipInfo("187520/", date_time=STAMP), b"")
    for info in sorted(src.infolist(), key=lambda i: i.filename):
        entry = zipfile.ZipInfo(info.filename, date_time=STAMP)
        entry.compress_type = zipfile.ZIP_STORED
        dst.writestr(entry, src.read(info))
    more = [
        {"uuid": "3f1e2d4c-5b6a-4789-8abc-def012345678", "event_type": "session_start", "event_time": "2024-07-06 01:00:00.000000",
         "user_id": None, "device_id": "A1B2C3D4-0000-4000-8000-000000000001", "event_properties": {}, "user_properties": {}},
        {"uuid": "4a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d", "event_type": "Song Played", "event_time": "2024-07-06 01:00:05",
         "user_id": None, "device_id": "A1B2C3D4-0000-4000-8000-000000000001", "$insert_id": "play-1",
         "event_properties": {"song": "Blue"}, "user_properties": {"$set": {"theme": "dark"}, "$setOnce": {"first_song": "Blue"}},
         "platform": "iOS", "os_name": "ios", "os_version": "17.5", "device_model": "iPhone15,2", "device_type": "Apple iPhone 14 Pro",
         "country": "France", "city": "Paris", "language": "French", "version_name": "3.1.0"},
        {"uuid": "5b3c4d5e-6f70-4b2c-9d3e-4f5a6b7c8d9e", "event_type": "Song Played", "event_time": "2024-07-06 01:02:00",
         "user_id": "user_77", "device_id": "A1B2C3D4-0000-4000-8000-000000000001", "event_properties": {"song": "Red"},
         "user_properties": {"plan": "EMPTY"}},
        {"event_type": "$groupidentify", "event_time": "2024-07-06 01:03:00", "user_id": "user_77",
         "device_id": "A1B2C3D4-0000-4000-8000-000000000001", "groups": {"org": ["initech"]},
         "group_properties": {"org": {"initech": {"seats": 12}}}},
    ]
    entry = zipfile.ZipInfo("187520/187520_2024-07-06_1#0.json.gz", date_time=STAMP)
    entry.compress_type = zipfile.ZIP_DEFLATED
    dst.writestr(entry, gz(lines(more)))

# Mixpanel: the shared lines plus alias, merge and a millisecond time.
with open(os.path.join(formats, "mixpanel-export.jsonl")) as f:
    mixpanel = [json.loads(l) for l in f if l.strip()]
mixpanel += [
    {"event": "$create_alias", "properties": {"time": 1720224100, "distinct_id": "7c1f0e2a-93b4-4c2d-a1e5-0f6b8d9c3a21",
                                              "alias": "user_42", "$insert_id": "alias-0001", "mp_processing_time_ms": 1720224101000}},
    {"event": "$merge", "properties": {"time": 1720224200, "distinct_id": "user_42",
                                       "$distinct_ids": ["user_42", "legacy-42"], "$insert_id": "merge-0001"}},
    {"event": "Checkout", "properties": {"time": 1720224300123, "distinct_id": "", "$device_id": "d-9f8e",
                                         "$insert_id": "co-0001", "$browser": "Firefox", "$os": "Linux", "$current_url": "https://example.com/cart"}},
]
with open(os.path.join(out, "mixpanel-export.jsonl"), "w") as f:
    f.write(lines(mixpanel))

# Segment: the shared calls plus page, screen and group calls (one with an unpadded date).
with gzip.open(os.path.join(formats, "segment-archive.ndjson.gz"), "rt") as f:
    segment = [json.loads(l) for l in f if l.strip()]
segment += [
    {"type": "page", "messageId": "ajs-next-1733e8f8a9b64c7e", "anonymousId": "507f191e810c19729de860ea", "userId": "97980cfea0067",
     "name": "Pricing", "properties": {"url": "https://example.com/pricing", "path": "/pricing", "title": "Pricing"},
     "context": {"ip": "8.8.8.8", "userAgent": "Mozilla/5.0", "library": {"name": "analytics.js", "version": "2.11.1"},
                 "campaign": {"source": "newsletter", "medium": "email"}, "locale": "en-US"},
     "timestamp": "2015-12-10T04:10:00.000Z", "version": 2},
    {"type": "screen", "messageId": "8d1f7e2c-0b3a-4c5d-9e6f-7a8b9c0d1e2f", "userId": "97980cfea0067", "name": "Settings",
     "properties": {"tab": "billing"}, "context": {"os": {"name": "iOS", "version": "17.5"}, "device": {"model": "iPhone15,2"},
                                                   "app": {"version": "3.1.0"}},
     "originalTimestamp": "2015-12-10T04:11:00.000Z", "version": 2},
    {"type": "group", "messageId": "9e2a8f3d-1c4b-4d6e-8f7a-8b9c0d1e2f3a", "userId": "97980cfea0067", "groupId": "acme-inc",
     "traits": {"name": "Acme Inc", "employees": 120}, "timestamp": "2015-12-10T04:12:00.000Z", "version": 2},
    {"type": "track", "messageId": "af3b9a4e-2d5c-4e7f-9a8b-9c0d1e2f3a4b", "anonymousId": "507f191e810c19729de860ea",
     "event": "Signed Up", "properties": {"plan": "pro"}, "timestamp": "2015-2-02T00:30:08.276Z", "version": 2},
]
with open(os.path.join(out, "segment-archive.ndjson.gz"), "wb") as f:
    f.write(gz(lines(segment)))

# Amplitude web autocapture, as a loose (unzipped) file of the export.
autocapture = [
    {"uuid": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "event_type": "[Amplitude] Element Clicked", "event_time": "2024-07-06 02:00:00.250000",
     "user_id": "user_42", "device_id": "C8F9E604-F01A-4BD9-95C6-8E5357DF265D", "platform": "Web", "os_name": "Chrome", "os_version": "126",
     "event_properties": {
         "[Amplitude] Element Tag": "a", "[Amplitude] Element Text": "See pricing", "[Amplitude] Element ID": "pricing-link",
         "[Amplitude] Element Class": "nav-link primary", "[Amplitude] Element Href": "https://example.com/pricing",
         "[Amplitude] Page URL": "https://example.com/", "[Amplitude] Page Title": "Home",
         "[Amplitude] Element Hierarchy": [  # clicked element first, as current SDKs list it
             {"tag": "a", "id": "pricing-link", "classes": ["nav-link", "primary"], "index": 2, "indexOfType": 1,
              "attrs": {"href": "https://example.com/pricing"}},
             {"tag": "nav", "index": 0, "indexOfType": 0, "classes": ["top"]}]}},
    {"uuid": "8d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "event_type": "[Amplitude] Element Changed", "event_time": "2024-07-06 02:00:09",
     "user_id": "user_42", "device_id": "C8F9E604-F01A-4BD9-95C6-8E5357DF265D", "platform": "Web",
     "event_properties": {"[Amplitude] Element Tag": "select", "[Amplitude] Element ID": "plan", "[Amplitude] Page URL": "https://example.com/signup"}},
]
with open(os.path.join(out, "amplitude-autocapture.json"), "w") as f:
    f.write(lines(autocapture))

# PostHog batch export: properties as a JSON string, person_id and other columns to ignore.
posthog = [
    {"uuid": "01903a4e-8d1b-7f6a-9c2e-5b7d1a3e9f01", "event": "$pageview", "distinct_id": "user_42", "person_id": "0190aaaa-0000-7000-8000-000000000001",
     "timestamp": "2024-07-06 00:00:01.123000+00:00", "created_at": "2024-07-06 00:00:02",
     "properties": json.dumps({"$current_url": "https://example.com/", "$browser": "Chrome"}), "elements_chain": ""},
    {"uuid": "01903a4e-8d1b-7f6a-9c2e-5b7d1a3e9f02", "event": "signed up", "distinct_id": "user_42", "person_id": "0190aaaa-0000-7000-8000-000000000001",
     "timestamp": "2024-07-06T00:01:00Z", "properties": {"plan": "pro"}, "$set": {"email": "a@example.com"}},
    {"uuid": "01903a4e-8d1b-7f6a-9c2e-5b7d1a3e9f03", "event": "$identify", "distinct_id": "user_42",
     "timestamp": "2024-07-06T00:01:01Z", "properties": json.dumps({"$anon_distinct_id": "anon-1", "$set": {"plan": "pro"}})},
    # PostHog keeps an autocapture's elements in the elements_chain column, not in properties.
    {"uuid": "01903a4e-8d1b-7f6a-9c2e-5b7d1a3e9f04", "event": "$autocapture", "distinct_id": "user_42", "person_id": "0190aaaa-0000-7000-8000-000000000001",
     "timestamp": "2024-07-06 00:01:02.000000", "properties": json.dumps({"$event_type": "click", "$current_url": "https://example.com/pricing"}),
     "elements_chain": 'button.btn.primary:attr__class="btn primary"nth-child="2"nth-of-type="1"tag_name="button"text="Buy"'},
]
with open(os.path.join(out, "posthog-batch-export.jsonl"), "w") as f:
    f.write(lines(posthog))
print("wrote", ", ".join(sorted(os.listdir(out))), "in", out)
