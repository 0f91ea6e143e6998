// The patient's journey in a real browser: the self-assessment answered from the documents of
// kb/vignettes (each mapped to form answers) ends on the pathway the vignette expects, in English
// and in Spanish, with JavaScript on and off; an emergency ends on the seek-care page and stores
// nothing; a consultation request with an MRI report lands in the clinic's queue (checked through
// the JSON API), and an invalid one shows its errors with the answers kept and stores nothing.
// axe-core checks every page on the way; the pages are photographed at 360 and 1280 px.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCEPT_LANGUAGE, LANGUAGES, SCREENSHOTS, axeBlocking, begin, browser, finish, recordText, server,
} from './support.mjs';
import { VIGNETTES, formAnswers, vignette } from './answers.mjs';

before(begin);
after(finish);


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

// Walks the self-assessment to its end, through the check-your-answers page; returns the pages
// seen. Every page on the way is kept for the readability check.
async function walk(page, answers, { t, shoot, lang } = {}) {
  const seen = [];
  await page.goto(new URL('/c/demo/assessment', server.base).href);
  for (let i = 0; i < 12 && (await page.locator('form#step').count()); i++) {
    const step = await page.locator('form#step input[name="step"]').getAttribute('value');
    seen.push(`step ${step}`);
    await recordText(page, `step-${step}`);
    if (t) {
      const blocking = await axeBlocking(page, t);
      assert.equal(blocking, '', `axe on step ${step} (${lang}):\n${blocking}`);
    }
    if (shoot) await shoot(`assessment-${step}`);
    await answerStep(page, answers);
  }
  if (await page.locator('form#check').count()) {
    seen.push('check');
    await recordText(page, 'check');
    if (t) {
      const blocking = await axeBlocking(page, t);
      assert.equal(blocking, '', `axe on the check page (${lang}):\n${blocking}`);
    }
    if (shoot) await shoot('assessment-check');
    await Promise.all([page.waitForNavigation(), page.locator('form#check button.button[value="next"]').click()]);
  }
  const ending = await page.locator('[data-pathway]').getAttribute('data-pathway').catch(() => null);
  await recordText(page, ending ? `outcome-${ending}` : 'stuck');
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
    assert.equal(await page.locator('main form, fieldset, input:not([type="hidden"])').count(), 0, 'nothing more is asked');
  } finally {
    await context.close();
  }
  assert.equal((await queue()).length, before, 'nothing stored');
});

test('the check page shows every answer, changes one and comes back to it', async () => {
  const answers = formAnswers(vignette('herniation-sequence').input);
  const { context, page } = await newPage({ lang: 'en', javaScriptEnabled: false });
  try {
    await page.goto(new URL('/c/demo/assessment', server.base).href);
    while (await page.locator('form#step').count()) await answerStep(page, answers);
    assert.equal(await page.locator('h1').innerText(), 'Check your answers');
    const row = page.locator('.summary-row', { has: page.locator('button[value="health"][formaction$="#conditions-spinal_hardware"]') });
    assert.equal(await row.locator('dd').first().innerText(), 'No');
    await Promise.all([page.waitForNavigation(), row.locator('button').click()]);
    assert.equal(new URL(page.url()).hash, '#conditions-spinal_hardware', 'the change lands on its question');
    assert.equal(await page.locator('form#step input[name="return"]').getAttribute('value'), 'check');
    await page.locator('#conditions-spinal_hardware input[value="yes"]').check();
    await Promise.all([page.waitForNavigation(), page.locator('form#step button[value="next"]').click()]);
    assert.equal(await page.locator('h1').innerText(), 'Check your answers', 'back to the check page at once');
    assert.equal(await row.locator('dd').first().innerText(), 'Yes', 'with the new answer');
    await Promise.all([page.waitForNavigation(), page.locator('form#check button.button[value="next"]').click()]);
    assert.notEqual(await page.locator('[data-pathway]').getAttribute('data-pathway'), 'decompression_then_pt',
      'metal in the spine rules decompression out');
    assert.match(await page.locator('main').innerText(), /metal/i, 'and the result says what was told');
  } finally {
    await context.close();
  }
});

test('Enter in a typed answer continues (it does not go back or switch language)', async () => {
  const answers = formAnswers(vignette('herniation-sequence').input);
  const { context, page } = await newPage({ lang: 'en', javaScriptEnabled: false });
  try {
    await page.goto(new URL('/c/demo/assessment', server.base).href);
    await answerStep(page, answers);
    for (const [name, value] of Object.entries(answers)) {
      if (!name.startsWith('patient.') && !name.startsWith('symptoms.') && !name.startsWith('work.')) continue;
      const field = page.locator(`form#step [name="${name}"]`);
      if ((await field.first().getAttribute('type')) === 'text') await field.fill(value);
      else await page.locator(`form#step [name="${name}"][value="${value}"]`).check();
    }
    await Promise.all([page.waitForNavigation(), page.press('#patient-age-input', 'Enter')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the same language');
    assert.equal(await page.locator('form#step input[name="step"]').getAttribute('value'), 'diagnosis', 'the next step');
  } finally {
    await context.close();
  }
});

for (const name of ['herniation-sequence', 'cancer-alone-urgent', 'ces-saddle']) {
  test(`the ${name} outcome switches language and stays the same outcome`, async () => {
    const { input, expect } = vignette(name);
    const { context, page } = await newPage({ lang: 'en', javaScriptEnabled: false });
    try {
      await walk(page, formAnswers(input));
      const english = await page.locator('h1').innerText();
      await Promise.all([page.waitForNavigation(), page.locator('.language-form button').click()]);
      assert.equal(await page.getAttribute('html', 'lang'), 'es');
      assert.equal(await page.locator('[data-pathway]').getAttribute('data-pathway'), expect.pathway);
      assert.notEqual(await page.locator('h1').innerText(), english, 'in Spanish');
      if (expect.pathway !== 'emergency_referral') {
        assert.equal(await page.locator('form#consultation input[name="answers"]').count(), 1, 'the request still carries the answers');
      }
    } finally {
      await context.close();
    }
  });
}

test('the consultation form switches language keeping what was typed', async () => {
  const { context, page } = await newPage({ lang: 'en', javaScriptEnabled: false });
  try {
    await walk(page, formAnswers(vignette('mechanical-lbp-pt').input));
    await page.fill('#consultation-name', 'Ana Ruiz');
    await Promise.all([page.waitForNavigation(), page.locator('form#consultation button[type="submit"]').last().click()]);
    assert.equal(await page.locator('.error-summary').count(), 1, 'the errors');
    await Promise.all([page.waitForNavigation(), page.locator('header button.language').click()]);
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.equal(await page.inputValue('#consultation-name'), 'Ana Ruiz', 'the name is kept');
    assert.equal(await page.locator('input[name="answers"]').count(), 1, 'and the self-assessment');
    assert.equal(await page.locator('.error-summary').count(), 0, 'nothing was checked');
    await recordText(page, 'consultation-from-result');
  } finally {
    await context.close();
  }
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

// Every vignette, answered as far as a patient can (examination and imaging findings are not
// asked), with JavaScript off, in both languages (so that the readability check reads every
// outcome in each): how many end on their own pathway, listed for the notes.
test('the vignettes a patient can answer end on their pathway', async (t) => {
  const names = readdirSync(VIGNETTES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  const results = [];
  for (const [name, lang] of names.flatMap((n) => LANGUAGES.map((l) => [n, l]))) {
    const { input, expect } = vignette(name);
    const { context, page } = await newPage({ lang, javaScriptEnabled: false });
    try {
      const seen = await walk(page, formAnswers(input));
      if (!(await page.locator('[data-pathway]').count())) {
        results.push(`stuck ${name} (${lang}) after ${seen.join(', ')}: ${(await page.locator('.error-summary').innerText()).slice(0, 200)}`);
        continue;
      }
      const pathway = await page.locator('[data-pathway]').getAttribute('data-pathway');
      results.push(`${pathway === expect.pathway ? 'same' : 'differs'} ${name} (${lang}): ${pathway} (vignette: ${expect.pathway})`);
    } finally {
      await context.close();
    }
  }
  t.diagnostic(results.join('\n'));
  for (const name of JOURNEYS) {
    for (const lang of LANGUAGES) assert.ok(results.some((r) => r.startsWith(`same ${name} (${lang}):`)), `${name} (${lang})`);
  }
  for (const name of names) {
    const [en, es] = LANGUAGES.map((lang) => results.find((r) => r.includes(` ${name} (${lang})`))?.split(': ')[1]);
    assert.equal(es, en, `${name} ends the same in both languages`);
  }
});
