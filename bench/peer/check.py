#!/usr/bin/env python3
"""Check the zen-engine peer (discpath-peer + pathway.jdm.json) for agreement.

Usage:
  python3 bench/peer/check.py [--bin PATH] [--model PATH] [--vignettes DIR]
      Runs the peer on every vignette input and compares its pathway, red-flag ids,
      contraindication ids and decompression_candidate with the vignette's `expect`.
      Exit 0 only when every vignette agrees.

  python3 bench/peer/check.py --docs DOCS.jsonl --out OUT.jsonl
      Golden-equivalence check of a peer output file against an independent Python
      transcription of the same version-1 logic (the oracle below), line by line,
      then prints the pathway distribution and how often each pathway rule decided.

Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BIN = "/var/tmp/discpath-peer-target/release/discpath-peer"
DEFAULT_MODEL = HERE / "pathway.jdm.json"
# shared/ sits beside the repository checkout (…/main/bench/peer → …/shared/vignettes).
DEFAULT_VIGNETTES = HERE.parent.parent.parent / "shared" / "vignettes"

EMERGENCY = [
    "saddle_anesthesia", "bladder_dysfunction", "bowel_dysfunction", "progressive_weakness",
    "bilateral_leg_symptoms", "sexual_dysfunction", "major_trauma", "pulsatile_abdominal_mass",
]
URGENT = [
    "cancer_history", "unexplained_weight_loss", "fever", "iv_drug_use", "immunosuppression",
    "prolonged_steroid_use", "night_pain",
]
MIN_SCREEN = [
    "saddle_anesthesia", "bladder_dysfunction", "bowel_dysfunction", "progressive_weakness",
    "cancer_history", "unexplained_weight_loss", "fever", "major_trauma",
]
STRUCTURAL = {
    "disc_herniation", "disc_bulge", "radiculopathy", "degenerative_disc_disease",
    "spinal_stenosis", "annular_tear",
}
ABSOLUTE_BOOL = [
    "spinal_hardware", "vertebral_fracture", "spinal_tumor", "spinal_infection",
    "aortic_aneurysm", "inflammatory_arthritis", "recent_spine_surgery",
]
RELATIVE_BOOL = ["claustrophobia", "hiatal_hernia", "severe_cardiorespiratory_disease", "recent_epidural_injection"]
FAILED = {"completed_no_relief", "completed_partial_relief"}


def oracle(doc: dict) -> tuple[dict, str]:
    """Version-1 logic, transcribed from shared/spec/assessment.md. Returns (result, rule)."""
    rf = doc.get("red_flags", {})
    deficit = doc.get("exam", {}).get("neurological_deficit")
    with_deficit = deficit in ("stable", "progressive")
    present = {f for f in EMERGENCY + URGENT if rf.get(f) is True}
    derived = set()
    if deficit == "progressive":
        derived.add("progressive_neurological_deficit")
    if rf.get("cancer_history") is True and with_deficit:
        derived.add("cancer_with_neurological_deficit")
    if rf.get("fever") is True and with_deficit:
        derived.add("fever_with_neurological_deficit")
    emergency = bool(derived) or any(f in present for f in EMERGENCY)
    urgent = any(f in present for f in URGENT)
    screen_complete = all(isinstance(rf.get(f), bool) for f in MIN_SCREEN)

    cond = doc.get("conditions", {})
    imaging = doc.get("imaging", {})
    absolute = set()
    if cond.get("pregnancy") is True:
        absolute.add("pregnancy")
    if cond.get("osteoporosis") == "severe":
        absolute.add("severe_osteoporosis")
    for c in ABSOLUTE_BOOL:
        if cond.get(c) is True:
            absolute.add(c)
    if cond.get("spinal_instability") is True or imaging.get("spondylolisthesis_grade", 0) >= 2:
        absolute.add("spinal_instability")
    relative = {c for c in RELATIVE_BOOL if cond.get(c) is True}
    if cond.get("osteoporosis") == "osteoporosis":
        relative.add("osteoporosis")
    contraindicated = bool(absolute)
    male = doc.get("patient", {}).get("sex") == "male"
    contra_screen = (
        (male or "pregnancy" in cond)
        and "osteoporosis" in cond
        and "spinal_hardware" in cond
        and "vertebral_fracture" in cond
    )

    dx = doc.get("diagnoses") or []
    structural = any(d["code"] in STRUCTURAL for d in dx)
    confirmed = any(d["code"] in STRUCTURAL and d["confirmed_by_imaging"] for d in dx)
    hist = doc.get("history", {})
    pt_failed = hist.get("physical_therapy", "none") in FAILED
    dec_failed = hist.get("decompression", "none") in FAILED

    if emergency:
        rule, pathway = "1", "emergency_referral"
    elif urgent:
        rule, pathway = "2", "urgent_referral"
    elif not screen_complete:
        rule, pathway = "3", "clinical_evaluation"
    elif not dx:
        rule, pathway = "4", "clinical_evaluation"
    elif structural:
        if any(d["code"] == "spinal_stenosis" for d in dx) and imaging.get("stenosis") == "severe":
            rule, pathway = "5.1", "specialist_evaluation"
        elif pt_failed and (dec_failed or contraindicated):
            rule = "5.2"
            pathway = "specialist_evaluation" if confirmed else "clinical_evaluation"
        elif dec_failed:
            rule, pathway = "5.3", "physical_therapy"
        elif contraindicated:
            rule, pathway = "5.4", "physical_therapy"
        elif not contra_screen:
            rule, pathway = "5.5", "clinical_evaluation"
        else:
            rule, pathway = "5.6", "decompression_then_pt"
    elif pt_failed:
        rule, pathway = "6", "clinical_evaluation"
    else:
        rule, pathway = "6", "physical_therapy"

    result = {
        "pathway": pathway,
        "red_flags": sorted(present | derived),
        "contraindications": sorted(absolute | relative),
        "decompression_candidate": structural and not contraindicated and contra_screen,
    }
    return result, rule


def run_peer(binary: str, model: Path, docs: list[dict]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w") as f:
            for d in docs:
                f.write(json.dumps(d, separators=(",", ":")) + "\n")
        proc = subprocess.run([binary, str(model), path], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"peer failed ({proc.returncode}): {proc.stderr.strip()}")
    return [json.loads(line) for line in proc.stdout.splitlines()]


def check_vignettes(args: argparse.Namespace) -> int:
    files = sorted(Path(args.vignettes).glob("*.json"))
    vignettes = [json.loads(p.read_text()) for p in files]
    outputs = run_peer(args.bin, Path(args.model), [v["input"] for v in vignettes])
    if len(outputs) != len(vignettes):
        print(f"peer wrote {len(outputs)} lines for {len(vignettes)} vignettes")
        return 1
    failures = 0
    for path, v, got in zip(files, vignettes, outputs):
        exp = v["expect"]
        want = {
            "pathway": exp["pathway"],
            "red_flags": [f["id"] for f in exp["red_flags"]],
            "contraindications": [c["id"] for c in exp["contraindications"]],
            "decompression_candidate": exp["decompression_candidate"],
        }
        if got != want:
            failures += 1
            print(f"FAIL {path.name}\n  want {json.dumps(want)}\n  got  {json.dumps(got)}")
        else:
            print(f"ok   {path.name}: {got['pathway']}")
        # The oracle must agree with the vignettes too, or the synthetic check means nothing.
        mine, _ = oracle(v["input"])
        if mine != want:
            failures += 1
            print(f"ORACLE DISAGREES {path.name}: {json.dumps(mine)}")
    print(f"{len(vignettes) - failures} passed, {failures} failed")
    return 0 if failures == 0 else 1


def check_docs(args: argparse.Namespace) -> int:
    with open(args.docs) as f:
        docs = [json.loads(line) for line in f if line.strip()]
    with open(args.out) as f:
        outs = [json.loads(line) for line in f if line.strip()]
    if len(docs) != len(outs):
        print(f"{len(docs)} documents but {len(outs)} outputs")
        return 1
    pathways: collections.Counter[str] = collections.Counter()
    rules: collections.Counter[str] = collections.Counter()
    candidates = 0
    mismatches = 0
    for i, (doc, got) in enumerate(zip(docs, outs), start=1):
        want, rule = oracle(doc)
        rules[rule] += 1
        pathways[got.get("pathway")] += 1
        candidates += got.get("decompression_candidate") is True
        if got != want:
            mismatches += 1
            if mismatches <= 10:
                print(f"MISMATCH line {i}\n  want {json.dumps(want)}\n  got  {json.dumps(got)}")
    print(f"{len(docs) - mismatches} agree, {mismatches} differ (of {len(docs)})")
    print("pathways:")
    for p, n in sorted(pathways.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {p:24} {n:6}")
    print(f"decompression candidates: {candidates}")
    print("deciding rule (oracle): " + ", ".join(f"{r}={n}" for r, n in sorted(rules.items())))
    return 0 if mismatches == 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("DISCPATH_PEER_BIN", DEFAULT_BIN))
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--vignettes", default=str(DEFAULT_VIGNETTES))
    ap.add_argument("--docs", help="synthetic documents (JSON Lines)")
    ap.add_argument("--out", help="peer output for --docs (JSON Lines)")
    args = ap.parse_args()
    if args.docs or args.out:
        if not (args.docs and args.out):
            ap.error("--docs and --out go together")
        return check_docs(args)
    return check_vignettes(args)


if __name__ == "__main__":
    sys.exit(main())
