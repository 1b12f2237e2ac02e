#!/usr/bin/env python3
"""Scores `rampart-redact --jsonl` output against the labels of its input.

usage: score_cli.py INPUT.jsonl OUTPUT.jsonl
INPUT lines carry "gold": [{"start", "end", "kind"}] (see the dump_generated_corpus test);
a true positive is an exact span with the same kind. Prints the overall line, then one line per
kind, and how many critical values (cards, SSNs, IBANs, national IDs) no predicted span covers
at all ("leaked"), with the ids of their messages; never the text.
"""
import json
import sys
from collections import defaultdict

CRITICAL = {"credit_card", "us_ssn", "iban", "es_dni", "es_nie", "mx_curp", "br_cpf"}

tp = fp = fn = 0
per_kind = defaultdict(lambda: [0, 0, 0])
leaked = []
with open(sys.argv[1]) as fin, open(sys.argv[2]) as fout:
    for a, b in zip(fin, fout):
        src = json.loads(a)
        out = json.loads(b)
        gold = {(g["start"], g["end"], g["kind"]) for g in src["gold"]}
        pred = {(p["start"], p["end"], p["kind"]) for p in out["spans"]}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for g in gold & pred:
            per_kind[g[2]][0] += 1
        for p in pred - gold:
            per_kind[p[2]][1] += 1
        for g in gold - pred:
            per_kind[g[2]][2] += 1
            covered = any(p[0] <= g[0] and p[1] >= g[1] for p in pred)
            if not covered and g[2] in CRITICAL:
                leaked.append(f"{src.get('id')}:{g[2]}")
p = tp / max(tp + fp, 1)
r = tp / max(tp + fn, 1)
print(f"tp={tp} fp={fp} fn={fn} precision={p:.4f} recall={r:.4f}")
for kind, (t, f, n) in sorted(per_kind.items()):
    kp = t / max(t + f, 1)
    kr = t / max(t + n, 1)
    print(f"  {kind:12} tp={t} fp={f} fn={n} precision={kp:.4f} recall={kr:.4f}")
print(f"leaked critical={len(leaked)}" + (f" ({', '.join(leaked[:20])})" if leaked else ""))
