// The answers a patient with a vignette's history gives the self-assessment's form, shared by
// the browser journeys and the result-page benchmark (bench/pages.mjs).

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VIGNETTES = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'kb/vignettes');

// A vignette of kb/vignettes by name: its `input` document and what it `expect`s.
export const vignette = (name) => JSON.parse(readFileSync(join(VIGNETTES, `${name}.json`), 'utf8'));

// A vignette's document as the answers of the self-assessment's form: name → value(s).
// Unanswered conditions are "I'm not sure"; the diagnoses are ticked, or "I don't know".
export function formAnswers(input) {
  const answers = {};
  const yesNo = (v) => (v === true ? 'yes' : v === false ? 'no' : 'unsure');
  // Every red-flag question must be answered: one the document leaves out is answered "no".
  for (const flag of ['saddle_anesthesia', 'bladder_dysfunction', 'bowel_dysfunction', 'sexual_dysfunction',
    'bilateral_leg_symptoms', 'progressive_weakness', 'major_trauma', 'fever', 'sudden_severe_pain', 'cancer_history',
    'unexplained_weight_loss', 'iv_drug_use', 'immunosuppression', 'prolonged_steroid_use', 'night_pain']) {
    answers[`red_flags.${flag}`] = yesNo(input.red_flags?.[flag] ?? false);
  }
  answers['patient.age'] = String(input.patient.age);
  answers['patient.sex'] = input.patient.sex;
  const s = input.symptoms;
  answers['symptoms.duration_weeks'] = String(Math.round(s.duration_weeks));
  answers['symptoms.back_pain'] = String(s.back_pain ?? 0);
  answers['symptoms.leg_pain'] = String(s.leg_pain ?? 0);
  answers['symptoms.pain_below_knee'] = yesNo(s.pain_below_knee ?? false);
  if (input.work?.manual !== undefined) answers['work.manual'] = yesNo(input.work.manual);
  const diagnoses = input.diagnoses ?? [];
  answers.diagnoses = diagnoses.length ? diagnoses.map((d) => d.code) : ['unknown'];
  if (diagnoses.length) answers.diagnoses_confirmed = diagnoses.some((d) => d.confirmed_by_imaging) ? 'yes' : 'no';
  const c = input.conditions ?? {};
  for (const name of ['pregnancy', 'vertebral_fracture', 'spinal_hardware', 'recent_spine_surgery', 'spinal_tumor',
    'spinal_infection', 'aortic_aneurysm', 'inflammatory_arthritis', 'spinal_instability', 'cord_or_cauda_compression',
    'severe_cardiorespiratory_disease', 'anticoagulation', 'recent_epidural_injection', 'hiatal_hernia', 'claustrophobia']) {
    answers[`conditions.${name}`] = yesNo(c[name]);
  }
  answers['conditions.osteoporosis'] = c.osteoporosis ?? 'unsure';
  answers['history.physical_therapy'] = input.history?.physical_therapy ?? 'none';
  answers['history.decompression'] = input.history?.decompression ?? 'none';
  (input.questionnaires?.odi ?? []).forEach((v, i) => { if (v !== null) answers[`odi.${i + 1}`] = String(v); });
  (input.questionnaires?.start_back ?? []).forEach((v, i) => { answers[`start_back.${i + 1}`] = String(v); });
  return answers;
}
