#!/usr/bin/env python3
"""Regenerates common-passwords.txt from the zxcvbn crate in the local cargo registry.

Takes the first 10,000 entries (by frequency rank) of zxcvbn-rs 3.1.1's `PASSWORDS` list,
lower-cases, deduplicates and sorts them (the crate binary-searches the file).

Usage: python3 crates/auth/data/make-common-passwords.py  (after `cargo fetch`)
"""
import glob
import os
import re

TOP = 10_000
here = os.path.dirname(os.path.abspath(__file__))
sources = glob.glob(os.path.expanduser(
    "~/.cargo/registry/src/*/zxcvbn-3.1.1/src/frequency_lists.rs"))
if not sources:
    raise SystemExit("zxcvbn-3.1.1 not in the cargo registry: run `cargo fetch` first")
text = open(sources[0], encoding="utf-8").read()
ranked = re.search(r'const PASSWORDS: &str = "([^"]*)";', text).group(1).split(",")
top = sorted({p.lower() for p in ranked[:TOP]})
with open(os.path.join(here, "common-passwords.txt"), "w", encoding="utf-8") as out:
    out.write("\n".join(top) + "\n")
print(f"{len(top)} passwords written")
