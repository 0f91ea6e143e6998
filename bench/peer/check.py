#!/usr/bin/env python3
"""Check the zen-engine peer (discpath-peer + pathway.jdm.json) for agreement, knowledge base 2.

Usage:
  python3 bench/peer/check.py [--bin PATH] [--model PATH] [--vignettes DIR] [--oracle-only]
      Runs the peer on every vignette input (default kb/vignettes, 70 files) and compares its
      pathway, red-flag ids, contraindication ids and decompression_candidate with the fields
      the vignette's `expect` names (ids as sorted lists: the recommendation lists red flags
      most urgent tier first, the peer by id). The oracle below must agree with them too.
      --oracle-only checks the oracle alone (no peer binary needed).
      Exit 0 only when every vignette agrees.

  python3 bench/peer/check.py --docs DOCS.jsonl --out OUT.jsonl
      Golden-equivalence check of a peer output file against an independent Python
      transcription of knowledge base 2.0.0 (the oracle below, written by hand from kb/*.toml
      in literal three-valued logic), line by line, then prints the pathway distribution and
      how often each pathway rule decided.

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
# The knowledge base's clinical vignettes (…/main/bench/peer → …/main/kb/vignettes).
DEFAULT_VIGNETTES = HERE.parent.parent / "kb" / "vignettes"
FIELDS = ("pathway", "red_flags", "contraindications", "decompression_candidate")

# --- The oracle: knowledge base 2.0.0, transcribed by hand from kb/*.toml -----------------------
#
# Kleene's three-valued logic, as the knowledge base defines it: True, False, or None (unknown).
# A test on an unanswered fact is unknown; a rule fires only when its condition is True.

def tri_not(a):
    return None if a is None else not a


def tri_all(*parts):
    if any(p is False for p in parts):
        return False
    return None if any(p is None for p in parts) else True


def tri_any(*parts):
    if any(p is True for p in parts):
        return True
    return None if any(p is None for p in parts) else False


STRUCTURAL = {  # kb/diagnoses.toml, category "structural"
    "disc_herniation", "disc_bulge", "radiculopathy", "degenerative_disc_disease",
    "spinal_stenosis", "annular_tear",
}
HISTORY_FAILED = ("completed_no_relief", "completed_partial_relief")


class Doc:
    """Fact lookup: None when the document does not answer the fact."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.dx = doc.get("diagnoses") or []
        sb = (doc.get("questionnaires") or {}).get("start_back")
        # kb/instruments.toml [start_back]: item 9 counts 1 from 3; psychosocial = items 5-9;
        # low when total <= 3, else high when psychosocial >= 4, else medium.
        self.start_back_risk = None
        if sb is not None:
            item9 = 1 if sb[8] >= 3 else 0
            total = sum(sb[:8]) + item9
            psychosocial = sum(sb[4:8]) + item9
            self.start_back_risk = "low" if total <= 3 else ("high" if psychosocial >= 4 else "medium")

    def get(self, path: str):
        if path == "scores.start_back_risk":
            return self.start_back_risk
        section, field = path.split(".")
        value = (self.doc.get(section) or {}).get(field)
        if value is None and section == "history":
            return "none"  # history.* defaults to "none" when absent
        return value

    def answered(self, path: str) -> bool:
        """Whether the document itself gives the fact (a default does not count)."""
        if path == "scores.start_back_risk":
            return self.start_back_risk is not None
        section, field = path.split(".")
        return (self.doc.get(section) or {}).get(field) is not None

    # Fact tests: unknown when the fact is unanswered.
    def is_(self, path, expected):
        v = self.get(path)
        return None if v is None else v == expected

    def eq(self, path, expected):
        return self.is_(path, expected)

    def in_(self, path, options):
        v = self.get(path)
        return None if v is None else v in options

    def cmp(self, path, op, bound):
        v = self.get(path)
        if isinstance(bound, str):  # { fact = b }: another fact
            bound = self.get(bound)
            if bound is None:
                return None
        if v is None:
            return None
        return {"gte": v >= bound, "lt": v < bound}[op]

    def diagnosis(self, code=None, confirmed=False):
        return any((code is None or d["code"] == code) and (not confirmed or d["confirmed_by_imaging"]) for d in self.dx)

    def diagnosis_category_structural(self, confirmed=False):
        return any(d["code"] in STRUCTURAL and (not confirmed or d["confirmed_by_imaging"]) for d in self.dx)


# kb/red_flags.toml, in file order: (flag, tier, condition).
def red_flag_rules(f: Doc, d: dict):
    return [
        ("suspected_symptomatic_aneurysm", "emergency",
         tri_all(f.is_("red_flags.sudden_severe_pain", True), f.is_("conditions.aortic_aneurysm", True))),
        ("pulsatile_abdominal_mass", "emergency", f.is_("red_flags.pulsatile_abdominal_mass", True)),
        ("cancer_with_neurological_symptoms", "emergency",
         tri_all(d["cancer"], tri_any(
             d["radicular"],
             f.is_("red_flags.progressive_weakness", True),
             f.in_("exam.neurological_deficit", ("stable", "progressive")),
             f.in_("exam.severe_motor_weakness", ("new", "longstanding")),
         ))),
        ("saddle_anesthesia", "emergency", f.is_("red_flags.saddle_anesthesia", True)),
        ("bladder_dysfunction", "emergency", f.is_("red_flags.bladder_dysfunction", True)),
        ("bowel_dysfunction", "emergency", f.is_("red_flags.bowel_dysfunction", True)),
        ("sexual_dysfunction", "emergency", f.is_("red_flags.sexual_dysfunction", True)),
        ("bilateral_leg_symptoms", "emergency", f.is_("red_flags.bilateral_leg_symptoms", True)),
        ("new_severe_motor_weakness", "emergency", f.eq("exam.severe_motor_weakness", "new")),
        ("progressive_weakness", "emergency", f.is_("red_flags.progressive_weakness", True)),
        ("progressive_neurological_deficit", "emergency", f.eq("exam.neurological_deficit", "progressive")),
        ("fever", "emergency", f.is_("red_flags.fever", True)),
        ("known_spinal_infection", "emergency", f.is_("conditions.spinal_infection", True)),
        ("major_trauma", "emergency", f.is_("red_flags.major_trauma", True)),
        ("cancer_with_suspicious_spinal_pain", "urgent",
         tri_all(d["cancer"], tri_any(f.is_("red_flags.night_pain", True), f.is_("red_flags.sudden_severe_pain", True)))),
        ("known_spinal_tumor", "urgent", f.is_("conditions.spinal_tumor", True)),
        ("cancer_history", "urgent", f.is_("red_flags.cancer_history", True)),
        ("unexplained_weight_loss", "urgent", f.is_("red_flags.unexplained_weight_loss", True)),
        ("longstanding_severe_motor_weakness", "urgent", f.eq("exam.severe_motor_weakness", "longstanding")),
        ("known_vertebral_fracture", "urgent", f.is_("conditions.vertebral_fracture", True)),
        ("suspected_fragility_fracture", "urgent",
         tri_all(f.cmp("symptoms.duration_weeks", "lt", 6), tri_any(
             f.in_("conditions.osteoporosis", ("osteoporosis", "severe")),
             f.is_("red_flags.prolonged_steroid_use", True),
         ))),
        ("prolonged_steroid_use", "urgent", f.is_("red_flags.prolonged_steroid_use", True)),
        ("iv_drug_use", "urgent", f.is_("red_flags.iv_drug_use", True)),
        ("immunosuppression", "urgent", f.is_("red_flags.immunosuppression", True)),
        ("sudden_severe_pain", "urgent", f.is_("red_flags.sudden_severe_pain", True)),
        ("night_pain", "caution", f.is_("red_flags.night_pain", True)),
    ]


RED_FLAG_SCREEN = [  # kb/red_flags.toml [screen] require
    "red_flags.saddle_anesthesia", "red_flags.bladder_dysfunction", "red_flags.bowel_dysfunction",
    "red_flags.sexual_dysfunction", "red_flags.bilateral_leg_symptoms", "red_flags.progressive_weakness",
    "red_flags.major_trauma", "red_flags.cancer_history", "red_flags.unexplained_weight_loss",
    "red_flags.fever", "red_flags.sudden_severe_pain", "red_flags.iv_drug_use",
    "red_flags.immunosuppression", "red_flags.prolonged_steroid_use",
    "conditions.spinal_infection", "conditions.spinal_tumor", "conditions.vertebral_fracture",
]


# kb/contraindications.toml, in file order: (name, class, condition).
def contraindication_rules(f: Doc):
    return [
        ("pregnancy", "absolute", f.is_("conditions.pregnancy", True)),
        ("osteoporosis", "absolute", f.in_("conditions.osteoporosis", ("osteoporosis", "severe"))),
        ("spinal_hardware", "absolute", f.is_("conditions.spinal_hardware", True)),
        ("vertebral_fracture", "absolute", f.is_("conditions.vertebral_fracture", True)),
        ("spinal_tumor", "absolute", f.is_("conditions.spinal_tumor", True)),
        ("spinal_infection", "absolute", f.is_("conditions.spinal_infection", True)),
        ("aortic_aneurysm", "absolute", f.is_("conditions.aortic_aneurysm", True)),
        ("inflammatory_arthritis", "absolute", f.is_("conditions.inflammatory_arthritis", True)),
        ("recent_spine_surgery", "absolute", f.is_("conditions.recent_spine_surgery", True)),
        ("spinal_instability", "absolute",
         tri_any(f.is_("conditions.spinal_instability", True), f.cmp("imaging.spondylolisthesis_grade", "gte", 2))),
        ("severe_cardiorespiratory_disease", "absolute", f.is_("conditions.severe_cardiorespiratory_disease", True)),
        ("cord_or_cauda_compression", "absolute", f.is_("conditions.cord_or_cauda_compression", True)),
        ("severe_canal_stenosis", "absolute", f.eq("imaging.stenosis", "severe")),
        ("osteopenia", "relative", f.eq("conditions.osteoporosis", "osteopenia")),
        ("claustrophobia", "relative", f.is_("conditions.claustrophobia", True)),
        ("hiatal_hernia", "relative", f.is_("conditions.hiatal_hernia", True)),
        ("recent_epidural_injection", "relative", f.is_("conditions.recent_epidural_injection", True)),
        ("anticoagulation", "relative", f.is_("conditions.anticoagulation", True)),
        ("age_70_or_over", "relative", f.cmp("patient.age", "gte", 70)),
    ]


def contraindication_screen_unanswered(f: Doc) -> list[str]:
    """kb/contraindications.toml [screen]: the unanswered items."""
    require = ["conditions.osteoporosis", "conditions.spinal_hardware", "conditions.vertebral_fracture",
               "conditions.spinal_tumor", "conditions.spinal_infection", "conditions.aortic_aneurysm",
               "conditions.inflammatory_arthritis", "conditions.recent_spine_surgery",
               "conditions.spinal_instability", "conditions.severe_cardiorespiratory_disease",
               "conditions.cord_or_cauda_compression", "scores.start_back_risk"]
    if f.eq("patient.sex", "male") is not True:  # pregnancy, unless sex = male
        require.insert(0, "conditions.pregnancy")
    return [r for r in require if not f.answered(r)]


def oracle(doc: dict) -> tuple[dict, str]:
    """Knowledge base 2.0.0, transcribed from kb/*.toml. Returns (result, deciding rule id)."""
    f = Doc(doc)
    d: dict = {}
    # kb/definitions.toml: those that read facts and diagnoses only come first.
    d["radicular"] = tri_any(
        f.diagnosis("radiculopathy"),
        f.is_("symptoms.pain_below_knee", True),
        tri_all(f.cmp("symptoms.leg_pain", "gte", 1), f.cmp("symptoms.leg_pain", "gte", "symptoms.back_pain")),
    )
    d["cancer"] = tri_any(f.is_("red_flags.cancer_history", True), f.is_("conditions.spinal_tumor", True))
    d["recorded_neurological_deficit"] = tri_all(
        f.answered("exam.neurological_deficit"), f.in_("exam.neurological_deficit", ("stable", "progressive")))
    d["severe_radicular_pain_reported"] = tri_all(
        f.answered("symptoms.leg_pain"),
        f.cmp("symptoms.leg_pain", "gte", 7),
        tri_any(
            f.diagnosis("radiculopathy"),
            tri_all(f.answered("symptoms.pain_below_knee"), f.is_("symptoms.pain_below_knee", True)),
            tri_all(f.answered("symptoms.back_pain"), f.cmp("symptoms.leg_pain", "gte", "symptoms.back_pain")),
        ),
    )
    d["operated_spine"] = tri_any(f.is_("conditions.spinal_hardware", True), f.is_("conditions.recent_spine_surgery", True))
    d["structural"] = f.diagnosis_category_structural()
    d["confirmed_disc_pathology"] = f.diagnosis_category_structural(confirmed=True)
    d["pt_failed"] = f.in_("history.physical_therapy", HISTORY_FAILED)
    d["decompression_failed"] = f.in_("history.decompression", HISTORY_FAILED)

    flags = [(flag, tier) for flag, tier, when in red_flag_rules(f, d) if when is True]
    tiers = {tier for _, tier in flags}
    red_flag_screen_incomplete = any(not f.answered(r) for r in RED_FLAG_SCREEN)
    contraindications = [(name, cls) for name, cls, when in contraindication_rules(f) if when is True]
    contra_screen_incomplete = bool(contraindication_screen_unanswered(f))

    d["contraindicated"] = any(cls == "absolute" for _, cls in contraindications)
    d["conservative_care_exhausted"] = tri_all(
        d["structural"], d["pt_failed"], tri_any(d["decompression_failed"], d["contraindicated"]))

    # kb/pathway.toml, in file order; the first rule whose condition is True decides.
    rules = [
        ("pathway.red_flag.emergency", "emergency_referral", "emergency" in tiers),
        ("pathway.red_flag.urgent", "urgent_referral", "urgent" in tiers),
        ("pathway.screen.red_flags_incomplete", "clinical_evaluation", red_flag_screen_incomplete),
        ("pathway.cord_or_cauda_compression", "specialist_evaluation", f.is_("conditions.cord_or_cauda_compression", True)),
        ("pathway.no_diagnosis", "clinical_evaluation", tri_not(f.diagnosis())),
        ("pathway.structural.severe_stenosis", "specialist_evaluation",
         tri_all(d["structural"], f.eq("imaging.stenosis", "severe"))),
        ("pathway.operated_spine.radicular", "specialist_evaluation", tri_all(d["operated_spine"], d["radicular"])),
        ("pathway.structural.conservative_care_exhausted", "specialist_evaluation",
         tri_all(d["conservative_care_exhausted"], d["confirmed_disc_pathology"])),
        ("pathway.structural.exhausted_unconfirmed", "clinical_evaluation",
         tri_all(d["conservative_care_exhausted"], tri_not(d["confirmed_disc_pathology"]))),
        ("pathway.physical_therapy.ongoing", "physical_therapy", f.eq("history.physical_therapy", "ongoing")),
        ("pathway.decompression_ongoing.contraindicated", "physical_therapy",
         tri_all(f.eq("history.decompression", "ongoing"), d["contraindicated"])),
        ("pathway.decompression_ongoing.screen_incomplete", "clinical_evaluation",
         tri_all(f.eq("history.decompression", "ongoing"), contra_screen_incomplete)),
        ("pathway.decompression_ongoing.complete_sequence", "decompression_then_pt",
         f.eq("history.decompression", "ongoing")),
        ("pathway.structural.complete_sequence", "physical_therapy",
         tri_all(d["structural"], d["decompression_failed"])),
        ("pathway.structural.contraindicated", "physical_therapy", tri_all(d["structural"], d["contraindicated"])),
        ("pathway.acute.self_management", "self_management", tri_all(
            f.cmp("symptoms.duration_weeks", "lt", 6),
            f.eq("scores.start_back_risk", "low"),
            tri_not(d["recorded_neurological_deficit"]),
            tri_not(d["severe_radicular_pain_reported"]),
        )),
        ("pathway.acute.early_physical_therapy", "physical_therapy", f.cmp("symptoms.duration_weeks", "lt", 6)),
        ("pathway.start_back_high.physical_therapy_first", "physical_therapy", f.eq("scores.start_back_risk", "high")),
        ("pathway.structural.decompression_not_yet_decidable", "clinical_evaluation", tri_all(
            d["structural"], tri_any(contra_screen_incomplete, tri_not(d["confirmed_disc_pathology"])))),
        ("pathway.structural.sequence", "decompression_then_pt", d["structural"]),
        ("pathway.non_structural.pt_failed", "clinical_evaluation",
         tri_all(tri_not(d["structural"]), d["pt_failed"])),
        ("pathway.non_structural.physical_therapy", "physical_therapy", True),
    ]
    rule, pathway = next((rid, p) for rid, p, when in rules if when is True)
    result = {
        "pathway": pathway,
        "red_flags": sorted(flag for flag, _ in flags),
        "contraindications": sorted(name for name, _ in contraindications),
        "decompression_candidate": pathway == "decompression_then_pt",
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


def expected(exp: dict) -> dict:
    """The fields of a vignette's `expect` the peer decides, in the peer's shape."""
    want = {}
    for field in FIELDS:
        if field not in exp:
            continue
        value = exp[field]
        if field in ("red_flags", "contraindications"):
            value = sorted(item["id"] if isinstance(item, dict) else item for item in value)
        want[field] = value
    return want


def check_vignettes(args: argparse.Namespace) -> int:
    files = sorted(Path(args.vignettes).glob("*.json"))
    if not files:
        print(f"no vignettes in {args.vignettes}")
        return 1
    vignettes = [json.loads(p.read_text()) for p in files]
    outputs = None
    if not args.oracle_only:
        outputs = run_peer(args.bin, Path(args.model), [v["input"] for v in vignettes])
        if len(outputs) != len(vignettes):
            print(f"peer wrote {len(outputs)} lines for {len(vignettes)} vignettes")
            return 1
    failures = 0
    for index, (path, v) in enumerate(zip(files, vignettes)):
        want = expected(v["expect"])
        # The oracle must agree with the vignettes too, or the synthetic check means nothing.
        mine, rule = oracle(v["input"])
        ok = True
        if {k: mine[k] for k in want} != want:
            ok = False
            print(f"ORACLE DISAGREES {path.name}\n  want {json.dumps(want)}\n  got  {json.dumps(mine)} ({rule})")
        if outputs is not None:
            got = outputs[index]
            if {k: got.get(k) for k in want} != want or set(got) != set(FIELDS):
                ok = False
                print(f"FAIL {path.name}\n  want {json.dumps(want)}\n  got  {json.dumps(got)}")
        if ok:
            print(f"ok   {path.name}: {mine['pathway']} ({', '.join(want)})")
        else:
            failures += 1
    who = "oracle" if args.oracle_only else "peer and oracle"
    print(f"{who}: {len(vignettes) - failures} passed, {failures} failed (of {len(vignettes)} vignettes)")
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
    print("deciding rule (oracle):")
    for r, n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {r:50} {n:6}")
    return 0 if mismatches == 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("DISCPATH_PEER_BIN", DEFAULT_BIN))
    ap.add_argument("--model", default=str(DEFAULT_MODEL))
    ap.add_argument("--vignettes", default=str(DEFAULT_VIGNETTES))
    ap.add_argument("--oracle-only", action="store_true", help="check the vignettes against the oracle alone")
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
