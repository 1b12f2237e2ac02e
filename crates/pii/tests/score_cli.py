#!/usr/bin/env python3
"""Scores `rampart-redact --jsonl` output against the labels of its input.

usage: score_cli.py INPUT.jsonl OUTPUT.jsonl
INPUT lines carry "gold": [{"start", "end", "kind"}] (see the dump_generated_corpus test);
a true positive is an exact span with the same kind.
"""
import json
import sys

tp = fp = fn = 0
with open(sys.argv[1]) as fin, open(sys.argv[2]) as fout:
    for a, b in zip(fin, fout):
        gold = {(g["start"], g["end"], g["kind"]) for g in json.loads(a)["gold"]}
        pred = {(p["start"], p["end"], p["kind"]) for p in json.loads(b)["spans"]}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
p = tp / max(tp + fp, 1)
r = tp / max(tp + fn, 1)
print(f"tp={tp} fp={fp} fn={fn} precision={p:.4f} recall={r:.4f}")
