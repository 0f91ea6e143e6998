// The patient's journey in a real browser: the self-assessment answered from the documents of
// kb/vignettes (each mapped to form answers) ends on the pathway the vignette expects, in English
// and in Spanish, with JavaScript on and off; an emergency ends on the seek-care page and stores
// nothing; a consultation request with an MRI report lands in the clinic's queue (checked through
// the JSON API), and an invalid one shows its errors with the answers kept and stores nothing.
// axe-core checks every page on the way; the pages are photographed at 360 and 1280 px.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCEPT_LANGUAGE, LANGUAGES, ROOT, SCREENSHOTS, axeBlocking, begin, browser, finish, server } from './support.mjs';

before(begin);
after(finish);

const VIGNETTES = join(ROOT, 'kb/vignettes');
const vignette = (name) => JSON.parse(readFileSync(join(VIGNETTES, `${name}.json`), 'utf8'));

// The journeys: vignettes whose decision rests only on what a patient can answer (no
// examination or imaging finding), one per kind of ending.
const JOURNEYS = [
  'mechanical-lbp-pt', // physical therapy
  'herniation-sequence', // decompression, then physical therapy
  'cancer-alone-urgent', // urgent appointment
  'cancer-history-urgent', // cancer with leg pain: an emergency found at the second step
  'ces-saddle', // emergency: seek care now
  'no-diagnosis', // a clinician must evaluate first
];

// A vignette's document as the answers of the self-assessment's form: name → value(s).
// Unanswered conditions are "I'm not sure"; the diagnoses are ticked, or "I don't know".
function formAnswers(input) {
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

// Answers the step on screen: ticks each option, types each number, and continues.
async function answerStep(page, answers) {
  const names = await page.$$eval('form#step [name]', (els) => [...new Set(els.map((e) => e.getAttribute('name')))]);
  for (const name of names) {
    const value = answers[name];
    if (value === undefined || ['answers', 'step', 'go', 'lang'].includes(name)) continue;
    const field = page.locator(`form#step [name="${name}"]`);
    if ((await field.first().getAttribute('type')) === 'text') {
      await field.first().fill(value);
    } else {
      for (const v of [].concat(value)) await page.locator(`form#step [name="${name}"][value="${v}"]`).check();
    }
  }
  await Promise.all([page.waitForNavigation(), page.locator('form#step button[value="next"]').click()]);
}

// Walks the self-assessment to its end; returns the pages seen (name, screenshot path).
async function walk(page, answers, { t, shoot, lang } = {}) {
  const seen = [];
  await page.goto(new URL('/c/demo/assessment', server.base).href);
  for (let i = 0; i < 12 && (await page.locator('form#step').count()); i++) {
    const step = await page.locator('form#step input[name="step"]').getAttribute('value');
    seen.push(`step ${step}`);
    if (t) {
      const blocking = await axeBlocking(page, t);
      assert.equal(blocking, '', `axe on step ${step} (${lang}):\n${blocking}`);
    }
    if (shoot) await shoot(`assessment-${step}`);
    await answerStep(page, answers);
  }
  return seen;
}

async function newPage({ lang, width = 1280, javaScriptEnabled = true }) {
  // bypassCSP only so that axe can run: the pages' policy forbids every script, axe's too (the
  // real policy is checked by pages.test.mjs).
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    extraHTTPHeaders: { 'Accept-Language': ACCEPT_LANGUAGE[lang] },
    javaScriptEnabled,
    bypassCSP: javaScriptEnabled,
  });
  return { context, page: await context.newPage() };
}

// The clinic's consultation queue, read through the JSON API as its coordinator.
async function queue() {
  const login = /^\s+(\S+@\S+) \(coordinator\)$/m.exec(server.output.join(''))[1];
  const password = /^\s+password: (\S+)$/m.exec(server.output.join(''))[1];
  const session = await fetch(new URL('/api/v1/session', server.base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: login, password }),
  });
  assert.equal(session.status, 200, 'the coordinator logs in');
  const cookie = session.headers.get('set-cookie').split(';')[0];
  const list = await fetch(new URL('/api/v1/consultation-requests?limit=100', server.base), {
    headers: { cookie },
  });
  assert.equal(list.status, 200);
  return (await list.json()).items;
}

describe('the self-assessment ends on each vignette\'s pathway', () => {
  for (const name of JOURNEYS) {
    for (const lang of LANGUAGES) {
      test(`${name} in ${lang}`, async (t) => {
        const { input, expect } = vignette(name);
        const { context, page } = await newPage({ lang });
        try {
          const shoot = name === 'herniation-sequence'
            ? async (pageName) => {
              for (const width of [360, 1280]) {
                await page.setViewportSize({ width, height: 800 });
                await page.screenshot({ path: join(SCREENSHOTS, `${pageName}-${lang}-${width}.png`), fullPage: true });
              }
              await page.setViewportSize({ width: 1280, height: 800 });
            }
            : null;
          await walk(page, formAnswers(input), { t, shoot, lang });
          const pathway = await page.locator('[data-pathway]').getAttribute('data-pathway');
          assert.equal(pathway, expect.pathway, `${name} ends on ${expect.pathway}`);
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          const blocking = await axeBlocking(page, t);
          assert.equal(blocking, '', `axe on the ${pathway} page (${lang}):\n${blocking}`);
          const ending = { emergency_referral: 'seek-care', urgent_referral: 'urgent' }[pathway] ?? `result-${pathway}`;
          for (const width of [360, 1280]) {
            await page.setViewportSize({ width, height: 800 });
            await page.screenshot({ path: join(SCREENSHOTS, `${ending}-${lang}-${width}.png`), fullPage: true });
          }
        } finally {
          await context.close();
        }
      });
    }
  }
});

test('an emergency ends on the seek-care page at once and stores nothing', async () => {
  const before = (await queue()).length;
  const { context, page } = await newPage({ lang: 'en' });
  try {
    const seen = await walk(page, formAnswers(vignette('ces-saddle').input));
    assert.deepEqual(seen, ['step red-flags'], 'nothing is asked after the red-flag step');
    assert.equal(await page.locator('[data-pathway]').getAttribute('data-pathway'), 'emergency_referral');
    assert.match(await page.locator('.care-card').innerText(), /911/, 'the clinic\'s emergency number');
    assert.equal(await page.locator('form').count(), 0, 'nothing more is asked');
  } finally {
    await context.close();
  }
  assert.equal((await queue()).length, before, 'nothing stored');
});

const PDF = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';

for (const javaScriptEnabled of [true, false]) {
  test(`a consultation request from the result, with an MRI report, lands in the queue (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const before = (await queue()).length;
    const report = join(SCREENSHOTS, '..', `mri-${javaScriptEnabled}.pdf`);
    writeFileSync(report, PDF);
    const { context, page } = await newPage({ lang: 'es', javaScriptEnabled });
    try {
      await walk(page, formAnswers(vignette('herniation-sequence').input));
      assert.equal(await page.locator('[data-pathway]').getAttribute('data-pathway'), 'decompression_then_pt');

      // Invalid: no contact, no consent. The errors show, what was typed is kept, nothing stored.
      await page.fill('#consultation-name', 'Rosa Díaz');
      await page.fill('#consultation-preferred_times', 'Mañanas');
      await Promise.all([page.waitForNavigation(), page.locator('form#consultation button[type="submit"]').click()]);
      assert.equal(await page.locator('.error-summary').count(), 1, 'an error summary');
      assert.equal(await page.locator('#email-error').count(), 1, 'the contact error next to its field');
      assert.equal(await page.locator('#consent-error').count(), 1, 'the consent error next to its field');
      assert.equal(await page.inputValue('#consultation-name'), 'Rosa Díaz', 'the name is kept');
      assert.equal(await page.inputValue('#consultation-preferred_times'), 'Mañanas', 'the times are kept');
      assert.equal(await page.locator('input[name="answers"]').count(), 1, 'the self-assessment still travels with it');
      assert.match(await page.getAttribute('#consultation-email', 'aria-describedby'), /email-error/);
      assert.equal((await queue()).length, before, 'nothing stored');
      if (javaScriptEnabled) {
        for (const width of [360, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          await page.screenshot({ path: join(SCREENSHOTS, `consultation-errors-es-${width}.png`), fullPage: true });
        }
      }

      await page.fill('#consultation-email', 'rosa@example.com');
      await page.check('#consultation-consent');
      await page.setInputFiles('#consultation-mri_report', report);
      await Promise.all([page.waitForNavigation(), page.locator('form#consultation button[type="submit"]').click()]);
      assert.match(new URL(page.url()).pathname, /\/consultation\/sent$/, 'the confirmation');
      assert.equal(await page.getAttribute('html', 'lang'), 'es');
    } finally {
      await context.close();
    }
    const items = await queue();
    assert.equal(items.length, before + 1, 'one request more');
    const request = items.find((r) => r.email === 'rosa@example.com');
    assert.ok(request.file_sha256, 'with its MRI report');
    assert.equal(request.language, 'es');
    assert.equal(request.urgent, false);
    assert.equal(request.result.pathway, 'decompression_then_pt', 'the result travels with it');
    assert.equal(request.assessment.red_flags.saddle_anesthesia, false, 'the answers travel with it');
  });
}

test('an urgent result marks its request urgent', async () => {
  const { context, page } = await newPage({ lang: 'en' });
  try {
    await walk(page, formAnswers(vignette('cancer-alone-urgent').input));
    await page.fill('#consultation-name', 'Sam Lee');
    await page.fill('#consultation-phone', '555 010 0199');
    await page.check('#consultation-consent');
    await Promise.all([page.waitForNavigation(), page.locator('form#consultation button[type="submit"]').click()]);
    assert.match(await page.locator('main').innerText(), /urgent/i);
  } finally {
    await context.close();
  }
  const request = (await queue()).find((r) => r.name === 'Sam Lee');
  assert.equal(request.urgent, true);
  assert.equal(request.email, null);
});

// Every vignette whose decision a patient's answers can reach, over plain HTTP (no browser):
// how many end on their own pathway, listed for the notes.
test('the vignettes a patient can answer end on their pathway', async (t) => {
  const names = readdirSync(VIGNETTES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  const results = [];
  for (const name of names) {
    const { input, expect } = vignette(name);
    const { context, page } = await newPage({ lang: 'en', javaScriptEnabled: false });
    try {
      const seen = await walk(page, formAnswers(input));
      if (!(await page.locator('[data-pathway]').count())) {
        results.push(`stuck ${name} after ${seen.join(', ')}: ${(await page.locator('.error-summary').innerText()).slice(0, 200)}`);
        continue;
      }
      const pathway = await page.locator('[data-pathway]').getAttribute('data-pathway');
      results.push(`${pathway === expect.pathway ? 'same' : 'differs'} ${name}: ${pathway} (vignette: ${expect.pathway})`);
    } finally {
      await context.close();
    }
  }
  t.diagnostic(results.join('\n'));
  for (const name of JOURNEYS) assert.ok(results.some((r) => r.startsWith(`same ${name}:`)), name);
});
