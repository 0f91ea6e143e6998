#!/usr/bin/env python3
"""The batch benchmark: discpath `assess --batch` against the zen-engine peer, in one run.

Usage:  python3 bench/run.py [--docs N] [--seed S] [--rounds R]

1. Writes N synthetic documents with bench/synth.py (deterministic for N and S).
2. Runs both engines on them once and checks that they agree, document by document, on what
   both decide: pathway, the ids of the red flags and of the contraindications present, and
   decompression candidacy. Any disagreement stops the benchmark.
3. Times R rounds, alternating the two engines so that machine noise hits both alike, each
   pinned to one core (taskset -c 1), output to /dev/null. Wall time covers the whole process:
   start, loading the knowledge base or decision model, reading, JSON parsing, evaluation,
   JSON serialization and writing.
4. Prints documents/s (median and best round) for each and the ratio of medians, as a table
   for BENCHMARKS.md.

Binaries: discpath from $CARGO_TARGET_DIR/release (build with `cargo build --release`), the
peer from $PEER (default /var/tmp/discpath-peer-target/release/discpath-peer; see
bench/peer/README.md to build it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", "/var/tmp/discpath-target"))
OURS = TARGET / "release" / "discpath"
PEER = Path(os.environ.get("PEER", "/var/tmp/discpath-peer-target/release/discpath-peer"))
MODEL = ROOT / "bench" / "peer" / "pathway.jdm.json"


def ours_command(docs: Path) -> list[str]:
    return ["taskset", "-c", "1", str(OURS), "assess", "--batch", str(docs)]


def peer_command(docs: Path) -> list[str]:
    return ["taskset", "-c", "1", str(PEER), str(MODEL), str(docs)]


def decided(line: str) -> tuple:
    """What both engines decide, from one output line of either."""
    out = json.loads(line)
    flags = out["red_flags"]
    contraindications = out["contraindications"]
    ids = lambda items: tuple(sorted(i["id"] if isinstance(i, dict) else i for i in items))
    return (out["pathway"], ids(flags), ids(contraindications), out["decompression_candidate"])


def check_agreement(docs: Path) -> int:
    ours = subprocess.run(ours_command(docs), capture_output=True, text=True, check=True).stdout
    peer = subprocess.run(peer_command(docs), capture_output=True, text=True, check=True).stdout
    ours_lines, peer_lines = ours.splitlines(), peer.splitlines()
    if len(ours_lines) != len(peer_lines):
        sys.exit(f"line counts differ: discpath {len(ours_lines)}, peer {len(peer_lines)}")
    for number, (a, b) in enumerate(zip(ours_lines, peer_lines), start=1):
        if decided(a) != decided(b):
            sys.exit(f"line {number}: discpath {decided(a)} but zen-engine {decided(b)}")
    return len(ours_lines)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    docs = ROOT / "bench" / f"docs-{args.docs}-{args.seed}.jsonl"
    with docs.open("w") as out:
        subprocess.run([sys.executable, str(ROOT / "bench" / "synth.py"), str(args.docs), str(args.seed)],
                       stdout=out, check=True)
    agreed = check_agreement(docs)
    print(f"agreement: {agreed} of {args.docs} documents decided identically by both engines")

    times = {"discpath": [], "zen-engine": []}
    for _ in range(args.rounds):
        times["discpath"].append(timed(ours_command(docs)))
        times["zen-engine"].append(timed(peer_command(docs)))

    print()
    print(f"| engine | median documents/s | best round documents/s | median wall time ({args.docs} documents) |")
    print("|---|---|---|---|")
    rates = {}
    for engine, seconds in times.items():
        median = statistics.median(seconds)
        rates[engine] = args.docs / median
        print(f"| {engine} | {args.docs / median:,.0f} | {args.docs / min(seconds):,.0f} | {median * 1000:.1f} ms |")
    print()
    print(f"ratio of medians: discpath is {rates['discpath'] / rates['zen-engine']:.1f}x zen-engine "
          f"({args.rounds} alternating rounds)")


if __name__ == "__main__":
    main()
