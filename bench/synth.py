#!/usr/bin/env python3
"""Deterministic synthetic assessment documents for discpath benchmarks.

Usage:  python3 bench/synth.py N SEED > docs.jsonl

Writes N assessment documents (contract version 2, see spec/assessment.md), one compact JSON
object per line, about 1.27 KB each (complete v2 screens are longer than v1's 0.97 KB). Every
document is valid under spec/assessment.schema.json and `discpath assess --batch` reports no
invalid line: no unknown fields, every value in range, closed dates within 1900-01-01 …
2999-12-31 (in fact 2026-2029). The same N and SEED always give byte-identical
output (stdlib `random` seeded with SEED; no clock, no environment).

The mix is meant to look like a clinic's intake stream and to reach every rule of the
version-2 pathway (kb/pathway.toml) in realistic proportions:

- red flags: most documents (87%) carry the complete 17-item v2 screen (the 14 `red_flags.*`
  items with every flag false, and `conditions.spinal_infection`, `spinal_tumor`,
  `vertebral_fracture`); some also answer `night_pain` (the caution tier, which does not stop
  the pathway) or `pulsatile_abdominal_mass`. A few have an emergency or urgent input flag
  (cauda equina symptoms, fever, trauma, cancer, weight loss, sudden severe pain, steroids, …),
  and the derived flags arise from the rest of the document: cancer with radicular pain or a
  deficit, a known aneurysm with sudden severe pain, new or longstanding severe motor weakness,
  a progressive deficit, a known spinal infection, tumour or vertebral fracture, and pain under
  six weeks with osteoporosis or steroids. Some leave one to three screen items unanswered, and
  some use a version-1 intake form that asks only the eight version-1 screen items;
- contraindications: most documents answer every `conditions.*` input of an absolute
  contraindication, others skip one to three of them or ask only the short version-1 list
  (72% complete the contraindication screen, STarT Back included); positives cover every
  absolute contraindication (including cord or cauda equina compression, severe canal stenosis
  on imaging, spondylolisthesis grade 2 or more) and every relative one (osteopenia,
  claustrophobia, hiatal hernia, a recent injection, anticoagulation, age 70 or over);
- diagnoses range over 0-2 codes (structural, non-structural, spondylolisthesis; confirmed by
  imaging or not); imaging covers every stenosis grade, spondylolisthesis grades 0-3, annular
  tears, disc height loss and extrusions; spinal hardware or recent surgery come with and
  without radicular pain;
- durations are under six weeks in about a sixth of documents (self-management or early
  physical therapy); STarT Back (present in 89% of documents) is low, medium or high risk;
  histories include physical therapy and decompression `ongoing`, failed and successful;
- work, ODI (sometimes with unanswered items) and FABQ work are present or absent; a plan start
  date is present in about 40% of documents, and a quarter of those list 1-6 closed dates within
  four months after it.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys

# The 14 `red_flags.*` items of the v2 minimum screen, in the contract's order.
SCREEN_FLAGS = [
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "sexual_dysfunction",
    "bilateral_leg_symptoms",
    "progressive_weakness",
    "major_trauma",
    "cancer_history",
    "unexplained_weight_loss",
    "fever",
    "sudden_severe_pain",
    "iv_drug_use",
    "immunosuppression",
    "prolonged_steroid_use",
]
# Asked by version-1 intake forms (the v1 minimum screen): incomplete under v2.
V1_SCREEN_FLAGS = [
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "progressive_weakness",
    "major_trauma",
    "cancer_history",
    "unexplained_weight_loss",
    "fever",
]
OPTIONAL_FLAGS = ["night_pain", "pulsatile_abdominal_mass"]
FLAG_ORDER = SCREEN_FLAGS + OPTIONAL_FLAGS
# Input flags of the emergency and urgent tiers.
EMERGENCY_INPUTS = [
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "sexual_dysfunction",
    "bilateral_leg_symptoms",
    "progressive_weakness",
    "fever",
    "major_trauma",
]
URGENT_INPUTS = [
    "cancer_history",
    "unexplained_weight_loss",
    "sudden_severe_pain",
    "iv_drug_use",
    "immunosuppression",
    "prolonged_steroid_use",
]

STRUCTURAL = [
    "disc_herniation",
    "disc_bulge",
    "radiculopathy",
    "degenerative_disc_disease",
    "spinal_stenosis",
    "annular_tear",
]
NON_STRUCTURAL = [
    "mechanical_low_back_pain",
    "muscular_strain",
    "movement_dysfunction",
    "post_injury_reconditioning",
    "post_surgical_reconditioning",
]
OTHER = ["spondylolisthesis"]

# conditions.* of the red-flag screen (known infection, tumour, fracture).
RF_CONDITIONS = ["spinal_infection", "spinal_tumor", "vertebral_fracture"]
# The other conditions.* inputs of an absolute contraindication (the contraindication screen,
# with pregnancy, osteoporosis and the three above).
ABSOLUTE_OTHER = [
    "spinal_hardware",
    "aortic_aneurysm",
    "inflammatory_arthritis",
    "recent_spine_surgery",
    "spinal_instability",
    "severe_cardiorespiratory_disease",
    "cord_or_cauda_compression",
]
# What a version-1 intake form asked (besides pregnancy and osteoporosis).
V1_CONDITIONS = ["spinal_hardware", "vertebral_fracture"]
RELATIVE_BOOL = ["claustrophobia", "hiatal_hernia", "recent_epidural_injection", "anticoagulation"]
# Canonical key order of `conditions`, so documents look hand-written.
CONDITION_ORDER = [
    "pregnancy",
    "osteoporosis",
    "spinal_hardware",
    "vertebral_fracture",
    "spinal_tumor",
    "spinal_infection",
    "aortic_aneurysm",
    "inflammatory_arthritis",
    "recent_spine_surgery",
    "spinal_instability",
    "severe_cardiorespiratory_disease",
    "cord_or_cauda_compression",
    "claustrophobia",
    "hiatal_hernia",
    "recent_epidural_injection",
    "anticoagulation",
]

START_MIN = datetime.date(2026, 1, 1)
START_DAYS = (datetime.date(2028, 12, 31) - START_MIN).days


def pick(rng: random.Random, weighted: list[tuple[object, float]]) -> object:
    """Weighted choice over (value, weight) pairs."""
    values = [v for v, _ in weighted]
    weights = [w for _, w in weighted]
    return rng.choices(values, weights=weights, k=1)[0]


def chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def gen_patient(rng: random.Random) -> dict:
    age = int(min(120, max(18, round(rng.gauss(50, 15)))))
    if chance(rng, 0.01):
        age = rng.choice([18, 19, 95, 101, 120])
    sex = pick(rng, [("female", 0.48), ("male", 0.46), ("other", 0.03), ("unknown", 0.03)])
    return {"age": age, "sex": sex}


def gen_symptoms(rng: random.Random) -> dict:
    if chance(rng, 0.85):
        weeks: float = pick(
            rng,
            [
                (rng.choice([1, 2, 3, 4, 5]), 0.19),
                (rng.choice([6, 8, 10, 12]), 0.22),
                (rng.choice([16, 20, 26, 30, 40, 52, 78, 104, 156]), 0.59),
            ],
        )
    else:
        weeks = round(rng.uniform(0, 60), 1)
    s: dict = {"duration_weeks": weeks}
    if chance(rng, 0.92):
        s["back_pain"] = rng.randint(0, 10)
    if chance(rng, 0.85):
        s["leg_pain"] = rng.randint(0, 10)
    if chance(rng, 0.8):
        s["pain_below_knee"] = chance(rng, 0.35)
    return s


def gen_red_flags(rng: random.Random, kind: str, conditions: dict | None) -> dict | None:
    """kind: clear | emergency | urgent | incomplete | v1_form | absent."""
    if kind == "absent":
        return None
    asked = V1_SCREEN_FLAGS if kind == "v1_form" else SCREEN_FLAGS
    flags = {f: False for f in asked}
    # Some clinics also ask the optional ones.
    if chance(rng, 0.35):
        flags["night_pain"] = chance(rng, 0.1)
    if chance(rng, 0.15):
        flags["pulsatile_abdominal_mass"] = chance(rng, 0.02)
    if kind == "incomplete":
        for f in rng.sample(SCREEN_FLAGS, rng.choice([1, 1, 1, 2, 3])):
            del flags[f]
    elif kind == "emergency":
        for f in rng.sample(EMERGENCY_INPUTS, rng.choice([1, 1, 1, 2])):
            flags[f] = True
    elif kind == "urgent":
        for f in rng.sample(URGENT_INPUTS, rng.choice([1, 1, 1, 2])):
            flags[f] = True
    # A known aneurysm sometimes presents with sudden severe pain (a suspected leak).
    if conditions and conditions.get("aortic_aneurysm") and "sudden_severe_pain" in flags and chance(rng, 0.2):
        flags["sudden_severe_pain"] = True
    # A known spinal tumour goes with a cancer history, mostly.
    if conditions and conditions.get("spinal_tumor") and "cancer_history" in flags and chance(rng, 0.8):
        flags["cancer_history"] = True
    return {f: flags[f] for f in FLAG_ORDER if f in flags}


def gen_exam(rng: random.Random, red_flags: dict | None) -> dict | None:
    if chance(rng, 0.05):
        return None
    e: dict = {}
    if chance(rng, 0.95):
        deficit = pick(rng, [("none", 0.80), ("stable", 0.185), ("progressive", 0.015)])
        if red_flags and (red_flags.get("cancer_history") or red_flags.get("fever")):
            deficit = pick(rng, [("none", 0.6), ("stable", 0.3), ("progressive", 0.1)])
        e["neurological_deficit"] = deficit
    if chance(rng, 0.7):
        e["severe_motor_weakness"] = pick(rng, [("none", 0.975), ("longstanding", 0.015), ("new", 0.01)])
    if chance(rng, 0.6):
        e["crossed_slr"] = chance(rng, 0.08)
    if chance(rng, 0.5):
        e["peripheralization_with_extension"] = chance(rng, 0.15)
    return e


def gen_diagnoses(rng: random.Random) -> list | None:
    r = rng.random()
    if r < 0.04:
        return None
    if r < 0.08:
        return []
    n = 1 if r < 0.75 else 2
    codes: list[str] = []
    while len(codes) < n:
        group = pick(rng, [("structural", 0.64), ("non_structural", 0.29), ("other", 0.07)])
        pool = {"structural": STRUCTURAL, "non_structural": NON_STRUCTURAL, "other": OTHER}[group]
        code = rng.choice(pool)
        if code not in codes:
            codes.append(code)
    out = []
    for code in codes:
        if code in STRUCTURAL or code in OTHER:
            confirmed = chance(rng, 0.8)
        else:
            confirmed = chance(rng, 0.15)
        out.append({"code": code, "confirmed_by_imaging": confirmed})
    return out


def gen_imaging(rng: random.Random, diagnoses: list | None) -> dict | None:
    codes = {d["code"] for d in diagnoses or []}
    if not (codes & set(STRUCTURAL + OTHER)) and chance(rng, 0.5):
        return None
    if chance(rng, 0.1):
        return None
    im: dict = {}
    if chance(rng, 0.7):
        im["annular_tear"] = chance(rng, 0.6 if "annular_tear" in codes else 0.2)
    if chance(rng, 0.5):
        if chance(rng, 0.7):
            im["disc_height_loss_percent"] = rng.randint(0, 60)
        else:
            im["disc_height_loss_percent"] = round(rng.uniform(0, 100), 1)
    if chance(rng, 0.9):
        if "spinal_stenosis" in codes:
            weights = [("none", 0.05), ("mild", 0.30), ("moderate", 0.40), ("severe", 0.25)]
        else:
            weights = [("none", 0.66), ("mild", 0.2), ("moderate", 0.11), ("severe", 0.03)]
        im["stenosis"] = pick(rng, weights)
    if chance(rng, 0.8):
        if "spondylolisthesis" in codes:
            grade = pick(rng, [(0, 0.05), (1, 0.5), (2, 0.35), (3, 0.10)])
        else:
            grade = pick(rng, [(0, 0.92), (1, 0.06), (2, 0.015), (3, 0.005)])
        im["spondylolisthesis_grade"] = grade
    if chance(rng, 0.5):
        im["extruded_or_sequestered"] = chance(rng, 0.12)
    return im


def gen_conditions(rng: random.Random, sex: str, age: int, v1_form: bool) -> dict | None:
    if chance(rng, 0.02):
        return None
    form = "v1_form" if v1_form else pick(rng, [("complete", 0.87), ("partial", 0.13)])
    old = age >= 65
    c: dict = {}
    can_be_pregnant = sex != "male" and age < 50
    # Pregnancy: male patients are often not asked; a few others are skipped too.
    if sex == "male":
        if chance(rng, 0.5):
            c["pregnancy"] = False
    elif form != "partial" or chance(rng, 0.8):
        c["pregnancy"] = can_be_pregnant and chance(rng, 0.04)
    if form != "partial" or chance(rng, 0.8):
        c["osteoporosis"] = pick(
            rng,
            [("none", 0.80), ("osteopenia", 0.12), ("osteoporosis", 0.06), ("severe", 0.02)]
            if age < 65
            else [("none", 0.52), ("osteopenia", 0.26), ("osteoporosis", 0.16), ("severe", 0.06)],
        )
    p = {
        "spinal_hardware": 0.04,
        "vertebral_fracture": 0.008,
        "spinal_tumor": 0.004,
        "spinal_infection": 0.003,
        "aortic_aneurysm": 0.025 if old else 0.005,
        "inflammatory_arthritis": 0.02,
        "recent_spine_surgery": 0.02,
        "spinal_instability": 0.012,
        "severe_cardiorespiratory_disease": 0.04 if old else 0.008,
        "cord_or_cauda_compression": 0.015,
    }
    if form == "complete":
        asked = RF_CONDITIONS + ABSOLUTE_OTHER
    elif form == "partial":
        skipped = rng.sample(ABSOLUTE_OTHER, rng.choice([1, 1, 2, 3]))
        asked = RF_CONDITIONS + [cid for cid in ABSOLUTE_OTHER if cid not in skipped]
    else:
        asked = V1_CONDITIONS + [cid for cid in RF_CONDITIONS + ABSOLUTE_OTHER if chance(rng, 0.3)]
    # A few forms leave a red-flag screen condition unanswered.
    if chance(rng, 0.02):
        asked = [cid for cid in asked if cid != rng.choice(RF_CONDITIONS)]
    for cid in asked:
        c[cid] = chance(rng, p[cid])
    for cid in RELATIVE_BOOL:
        if chance(rng, 0.45):
            c[cid] = chance(rng, 0.12 if cid == "anticoagulation" and old else 0.05)
    return {k: c[k] for k in CONDITION_ORDER if k in c}


def gen_history(rng: random.Random) -> dict | None:
    if chance(rng, 0.1):
        return None
    h: dict = {}
    if chance(rng, 0.92):
        h["physical_therapy"] = pick(
            rng,
            [
                ("none", 0.47),
                ("ongoing", 0.07),
                ("completed_no_relief", 0.14),
                ("completed_partial_relief", 0.20),
                ("completed_lasting_relief", 0.12),
            ],
        )
    if chance(rng, 0.85):
        h["decompression"] = pick(
            rng,
            [
                ("none", 0.76),
                ("ongoing", 0.04),
                ("completed_no_relief", 0.07),
                ("completed_partial_relief", 0.08),
                ("completed_lasting_relief", 0.05),
            ],
        )
    return h


def gen_work(rng: random.Random) -> dict | None:
    if chance(rng, 0.15):
        return None
    if chance(rng, 0.1):
        return {}
    return {"manual": chance(rng, 0.35)}


def gen_questionnaires(rng: random.Random) -> dict | None:
    if chance(rng, 0.06):
        return None
    q: dict = {}
    if chance(rng, 0.8):
        odi: list = [pick(rng, [(0, 0.1), (1, 0.25), (2, 0.3), (3, 0.2), (4, 0.1), (5, 0.05)]) for _ in range(10)]
        unanswered = pick(rng, [(0, 0.7), (1, 0.15), (2, 0.07), (3, 0.05), (5, 0.02), (10, 0.01)])
        for i in rng.sample(range(10), unanswered):
            odi[i] = None
        q["odi"] = odi
    if chance(rng, 0.95):
        # A latent distress level: about half low risk, a third medium, a sixth high.
        distress = pick(rng, [(0.12, 0.5), (0.4, 0.32), (0.75, 0.18)])
        sb = [1 if chance(rng, distress) else 0 for _ in range(8)]
        if distress > 0.5:
            sb.append(rng.choice([2, 3, 3, 4]))
        else:
            sb.append(rng.choice([0, 1, 1, 2, 2, 3]))
        q["start_back"] = sb
    if chance(rng, 0.65):
        q["fabq_work"] = min(42, max(0, int(rng.gauss(18, 9))))
    return q


def gen_plan(rng: random.Random) -> dict | None:
    if chance(rng, 0.6):
        return None
    day = START_MIN + datetime.timedelta(days=rng.randint(0, START_DAYS))
    plan: dict = {"start_date": day.isoformat()}
    if chance(rng, 0.25):
        # Holidays and closures within about four months of the start (at most 2029-04-30).
        offsets = sorted(rng.sample(range(1, 121), rng.choice([1, 1, 2, 3, 4, 6])))
        plan["closed_dates"] = [(day + datetime.timedelta(days=o)).isoformat() for o in offsets]
    return plan


def gen_document(rng: random.Random) -> dict:
    patient = gen_patient(rng)
    symptoms = gen_symptoms(rng)
    # Conditions are drawn before the red flags (a known aneurysm or tumour shapes them) but
    # written in the contract's order.
    # A few clinics still use a version-1 intake form: shorter red-flag and condition lists.
    v1_form = chance(rng, 0.04)
    conditions = gen_conditions(rng, str(patient["sex"]), int(patient["age"]), v1_form)
    if v1_form:
        kind = "v1_form"
    else:
        kind = pick(
            rng,
            [("clear", 0.885), ("emergency", 0.02), ("urgent", 0.035), ("incomplete", 0.05), ("absent", 0.01)],
        )
    red_flags = gen_red_flags(rng, str(kind), conditions)
    doc: dict = {"patient": patient, "symptoms": symptoms}
    if red_flags is not None:
        doc["red_flags"] = red_flags
    exam = gen_exam(rng, red_flags)
    if exam is not None:
        doc["exam"] = exam
    diagnoses = gen_diagnoses(rng)
    if diagnoses is not None:
        doc["diagnoses"] = diagnoses
    imaging = gen_imaging(rng, diagnoses)
    if imaging is not None:
        doc["imaging"] = imaging
    if conditions is not None:
        doc["conditions"] = conditions
    for key, gen in (
        ("history", gen_history),
        ("work", gen_work),
        ("questionnaires", gen_questionnaires),
        ("plan", gen_plan),
    ):
        value = gen(rng)
        if value is not None:
            doc[key] = value
    return doc


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: synth.py N SEED > docs.jsonl", file=sys.stderr)
        return 2
    try:
        n = int(argv[1])
        seed = int(argv[2])
    except ValueError:
        print("synth.py: N and SEED must be integers", file=sys.stderr)
        return 2
    if n < 0:
        print("synth.py: N must be >= 0", file=sys.stderr)
        return 2
    rng = random.Random(seed)
    out = sys.stdout
    try:
        for _ in range(n):
            out.write(json.dumps(gen_document(rng), separators=(",", ":")))
            out.write("\n")
        out.flush()
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error for a generator.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
