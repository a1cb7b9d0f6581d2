#!/usr/bin/env python3
"""Times posthog-python's local flag evaluation on a vector set, for `make bench`.

Usage: bench_flags.py --host URL --cases CASES.jsonl [--definitions100 FILE] [--repeat N]
The host is a hogport sink started with `--flags DEFINITIONS`; the SDK fetches the definitions
from it exactly as it would from PostHog, then every case is evaluated with
only_evaluate_locally=True and no events. Prints one JSON object.
"""
import argparse, json, time

import logging

import posthog
from posthog import Client

ap = argparse.ArgumentParser()
ap.add_argument("--host", required=True)
ap.add_argument("--cases", required=True)
ap.add_argument("--api-key", default="phc_bench")
ap.add_argument("--secret", default="phx_bench")
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--all-flags-subjects", type=int, default=200)
args = ap.parse_args()

logging.getLogger("posthog").setLevel(logging.CRITICAL)
client = Client(args.api_key, personal_api_key=args.secret, host=args.host, sync_mode=True,
                enable_exception_autocapture=False)
client.load_feature_flags()
flag_count = len(client.feature_flags or [])
cases = [json.loads(line) for line in open(args.cases)]


def kwargs(c):
    return dict(groups=c.get("groups") or {}, person_properties=c.get("person_properties") or {},
                group_properties=c.get("group_properties") or {}, only_evaluate_locally=True)


best = None
for _ in range(args.repeat):
    start = time.perf_counter()
    for c in cases:
        client.get_feature_flag(c["flag_key"], c["distinct_id"], send_feature_flag_events=False,
                                device_id=c.get("device_id"), **kwargs(c))
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)

subjects = {}
for c in cases:
    subjects.setdefault(c["distinct_id"], c)
subjects = list(subjects.values())[: args.all_flags_subjects]
best_all = None
for _ in range(args.repeat):
    start = time.perf_counter()
    for c in subjects:
        client.get_all_flags(c["distinct_id"], **kwargs(c))
    elapsed = time.perf_counter() - start
    best_all = elapsed if best_all is None else min(best_all, elapsed)

print(json.dumps({
    "sdk": "posthog-python " + posthog.VERSION,
    "flags": flag_count,
    "cases": len(cases),
    "per_evaluation_us": best / len(cases) * 1e6,
    "all_flags_subjects": len(subjects),
    "all_flags_us": best_all / max(1, len(subjects)) * 1e6,
}))
client.shutdown()
