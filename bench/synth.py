#!/usr/bin/env python3
"""Deterministic synthetic assessment documents for discpath benchmarks.

Usage:  python3 bench/synth.py N SEED > docs.jsonl

Writes N assessment documents (contract version 1, see shared/spec/assessment.md), one compact
JSON object per line. Every document is valid under assessment.schema.json: no unknown fields,
every value in range. The same N and SEED always give byte-identical output (stdlib `random`
seeded with SEED; no clock, no environment).

The mix is meant to look like a clinic's intake stream and to reach every branch of the
version-1 pathway: most documents carry a complete red-flag screen with every flag false; a few
have an emergency or urgent flag, a neurological deficit (stable/progressive, sometimes with
cancer history or fever), or leave one or two minimum-screen flags unanswered; diagnoses range
over 0-2 codes (structural, non-structural, spondylolisthesis; confirmed by imaging or not);
imaging covers every stenosis grade, spondylolisthesis grades 0-3, annular tears, disc height
loss and extrusions; conditions include absolute and relative contraindications and sometimes
omit minimum-screen answers; histories, work, questionnaires (ODI with unanswered items, STarT
Back, FABQ work) and plan start dates are present or absent in realistic proportions.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys

EMERGENCY_FLAGS = [
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "progressive_weakness",
    "bilateral_leg_symptoms",
    "sexual_dysfunction",
    "major_trauma",
    "pulsatile_abdominal_mass",
]
URGENT_FLAGS = [
    "cancer_history",
    "unexplained_weight_loss",
    "fever",
    "iv_drug_use",
    "immunosuppression",
    "prolonged_steroid_use",
    "night_pain",
]
MIN_SCREEN = [
    "saddle_anesthesia",
    "bladder_dysfunction",
    "bowel_dysfunction",
    "progressive_weakness",
    "cancer_history",
    "unexplained_weight_loss",
    "fever",
    "major_trauma",
]
OPTIONAL_FLAGS = [f for f in EMERGENCY_FLAGS + URGENT_FLAGS if f not in MIN_SCREEN]

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

ABSOLUTE_BOOL = [
    "spinal_hardware",
    "vertebral_fracture",
    "spinal_tumor",
    "spinal_infection",
    "aortic_aneurysm",
    "inflammatory_arthritis",
    "recent_spine_surgery",
    "spinal_instability",
]
RELATIVE_BOOL = [
    "claustrophobia",
    "hiatal_hernia",
    "severe_cardiorespiratory_disease",
    "recent_epidural_injection",
]
HISTORY_VALUES = [
    "none",
    "ongoing",
    "completed_no_relief",
    "completed_partial_relief",
    "completed_lasting_relief",
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
    age = int(min(120, max(18, round(rng.gauss(49, 14)))))
    if chance(rng, 0.01):
        age = rng.choice([18, 19, 95, 101, 120])
    sex = pick(rng, [("female", 0.48), ("male", 0.46), ("other", 0.03), ("unknown", 0.03)])
    return {"age": age, "sex": sex}


def gen_symptoms(rng: random.Random) -> dict:
    if chance(rng, 0.85):
        weeks: float = rng.choice([1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 26, 30, 40, 52, 78, 104, 156])
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


def gen_red_flags(rng: random.Random, kind: str) -> dict | None:
    """kind: clear | emergency | urgent | incomplete | absent."""
    if kind == "absent":
        return None
    flags = {f: False for f in MIN_SCREEN}
    # Some clinics also ask the optional ones.
    if chance(rng, 0.3):
        for f in OPTIONAL_FLAGS:
            if chance(rng, 0.7):
                flags[f] = False
    if kind == "incomplete":
        for f in rng.sample(MIN_SCREEN, rng.choice([1, 1, 1, 2])):
            del flags[f]
    elif kind == "emergency":
        for f in rng.sample(EMERGENCY_FLAGS, rng.choice([1, 1, 1, 2])):
            flags[f] = True
    elif kind == "urgent":
        for f in rng.sample(URGENT_FLAGS, rng.choice([1, 1, 1, 2])):
            flags[f] = True
    # Canonical key order (screen ids first) so documents look hand-written.
    order = EMERGENCY_FLAGS + URGENT_FLAGS
    return {f: flags[f] for f in order if f in flags}


def gen_exam(rng: random.Random, red_flags: dict | None) -> dict | None:
    if chance(rng, 0.05):
        return None
    e: dict = {}
    if chance(rng, 0.95):
        deficit = pick(rng, [("none", 0.80), ("stable", 0.17), ("progressive", 0.03)])
        if red_flags and (red_flags.get("cancer_history") or red_flags.get("fever")):
            # Flags with neurology make the derived emergency flags.
            deficit = pick(rng, [("none", 0.5), ("stable", 0.4), ("progressive", 0.1)])
        e["neurological_deficit"] = deficit
    if chance(rng, 0.85):
        e["crossed_slr"] = chance(rng, 0.08)
    if chance(rng, 0.8):
        e["peripheralization_with_extension"] = chance(rng, 0.15)
    return e


def gen_diagnoses(rng: random.Random) -> list | None:
    r = rng.random()
    if r < 0.04:
        return None
    if r < 0.08:
        return []
    n = 1 if r < 0.72 else 2
    codes: list[str] = []
    while len(codes) < n:
        group = pick(rng, [("structural", 0.62), ("non_structural", 0.30), ("other", 0.08)])
        pool = {"structural": STRUCTURAL, "non_structural": NON_STRUCTURAL, "other": OTHER}[group]
        code = rng.choice(pool)
        if code not in codes:
            codes.append(code)
    out = []
    for code in codes:
        if code in STRUCTURAL or code in OTHER:
            confirmed = chance(rng, 0.72)
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
    if chance(rng, 0.8):
        im["annular_tear"] = chance(rng, 0.6 if "annular_tear" in codes else 0.2)
    if chance(rng, 0.6):
        if chance(rng, 0.7):
            im["disc_height_loss_percent"] = rng.randint(0, 60)
        else:
            im["disc_height_loss_percent"] = round(rng.uniform(0, 100), 1)
    if chance(rng, 0.9):
        if "spinal_stenosis" in codes:
            weights = [("none", 0.05), ("mild", 0.25), ("moderate", 0.35), ("severe", 0.35)]
        else:
            weights = [("none", 0.65), ("mild", 0.2), ("moderate", 0.11), ("severe", 0.04)]
        im["stenosis"] = pick(rng, weights)
    if chance(rng, 0.85):
        if "spondylolisthesis" in codes:
            grade = pick(rng, [(0, 0.05), (1, 0.5), (2, 0.35), (3, 0.10)])
        else:
            grade = pick(rng, [(0, 0.9), (1, 0.07), (2, 0.025), (3, 0.005)])
        im["spondylolisthesis_grade"] = grade
    if chance(rng, 0.6):
        im["extruded_or_sequestered"] = chance(rng, 0.12)
    return im


def gen_conditions(rng: random.Random, sex: str, age: int) -> dict | None:
    if chance(rng, 0.03):
        return None
    c: dict = {}
    can_be_pregnant = sex != "male" and age < 50
    # Pregnancy: male patients are often not asked; a few others are skipped too.
    if sex == "male":
        if chance(rng, 0.5):
            c["pregnancy"] = False
    elif chance(rng, 0.95):
        c["pregnancy"] = can_be_pregnant and chance(rng, 0.04)
    if chance(rng, 0.96):
        c["osteoporosis"] = pick(
            rng,
            [("none", 0.78), ("osteopenia", 0.12), ("osteoporosis", 0.07), ("severe", 0.03)]
            if age < 65
            else [("none", 0.5), ("osteopenia", 0.25), ("osteoporosis", 0.17), ("severe", 0.08)],
        )
    for cid in ABSOLUTE_BOOL:
        screen = cid in ("spinal_hardware", "vertebral_fracture")
        asked = chance(rng, 0.95 if screen else 0.35)
        if asked:
            p = {"spinal_hardware": 0.04, "vertebral_fracture": 0.015}.get(cid, 0.012)
            c[cid] = chance(rng, p)
    for cid in RELATIVE_BOOL:
        if chance(rng, 0.4):
            c[cid] = chance(rng, 0.06)
    return c


def gen_history(rng: random.Random) -> dict | None:
    if chance(rng, 0.1):
        return None
    h: dict = {}
    if chance(rng, 0.92):
        h["physical_therapy"] = pick(
            rng,
            [
                ("none", 0.45),
                ("ongoing", 0.1),
                ("completed_no_relief", 0.15),
                ("completed_partial_relief", 0.2),
                ("completed_lasting_relief", 0.1),
            ],
        )
    if chance(rng, 0.85):
        h["decompression"] = pick(
            rng,
            [
                ("none", 0.75),
                ("ongoing", 0.04),
                ("completed_no_relief", 0.08),
                ("completed_partial_relief", 0.09),
                ("completed_lasting_relief", 0.04),
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
    if chance(rng, 0.12):
        return None
    q: dict = {}
    if chance(rng, 0.9):
        odi: list = [pick(rng, [(0, 0.1), (1, 0.25), (2, 0.3), (3, 0.2), (4, 0.1), (5, 0.05)]) for _ in range(10)]
        unanswered = pick(rng, [(0, 0.7), (1, 0.15), (2, 0.07), (3, 0.05), (5, 0.02), (10, 0.01)])
        for i in rng.sample(range(10), unanswered):
            odi[i] = None
        q["odi"] = odi
    if chance(rng, 0.8):
        high = chance(rng, 0.2)
        sb = [1 if chance(rng, 0.65 if high else 0.3) else 0 for _ in range(8)]
        sb.append(rng.choice([2, 3, 3, 4]) if high else rng.choice([0, 1, 1, 2, 2, 3]))
        q["start_back"] = sb
    if chance(rng, 0.7):
        q["fabq_work"] = min(42, max(0, int(rng.gauss(18, 9))))
    return q


def gen_plan(rng: random.Random) -> dict | None:
    if chance(rng, 0.6):
        return None
    day = START_MIN + datetime.timedelta(days=rng.randint(0, START_DAYS))
    return {"start_date": day.isoformat()}


def gen_document(rng: random.Random) -> dict:
    doc: dict = {}
    doc["patient"] = gen_patient(rng)
    doc["symptoms"] = gen_symptoms(rng)
    kind = pick(
        rng,
        [("clear", 0.82), ("emergency", 0.03), ("urgent", 0.07), ("incomplete", 0.07), ("absent", 0.01)],
    )
    red_flags = gen_red_flags(rng, str(kind))
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
    conditions = gen_conditions(rng, doc["patient"]["sex"], doc["patient"]["age"])
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
