// Browser tests of the clinic's own pages (issue 9): a coordinator and a clinician at work on
// the real `discpath serve --demo`, in Debian's Chromium; axe-core on every page; screenshots
// of every page under docs/screenshots/clinic-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vignette } from './answers.mjs';
import {
  HEIGHT, ROOT, SCREENSHOTS, axeBlocking, begin, browser, finish, recordText, server,
} from './support.mjs';

// Asynchronous, so that the server's output keeps being read while the check runs.
const run = promisify(execFile);

before(begin);
after(finish);

const VIEWPORT = { width: 1280, height: HEIGHT };

// The demo logins' password, as `serve --demo` printed it.
function demoPassword() {
  const match = /password: (\S+)/.exec(server.output.join(''));
  assert.ok(match, 'serve --demo prints the demo password');
  return match[1];
}

// A logged-in browser context for a demo role, through the login page.
async function logIn(role) {
  const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true, extraHTTPHeaders: { 'Accept-Language': 'en' } });
  const page = await context.newPage();
  await page.goto(`${server.base}/clinic/`);
  assert.match(new URL(page.url()).pathname, /^\/clinic\/login$/, 'an anonymous visitor is sent to the login page');
  await page.fill('#login-email', `demo-${role}@discpath.example`);
  await page.fill('#login-password', demoPassword());
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/clinic/', 'after logging in: the work list');
  return { context, page };
}

// A day (2027-01-04) as the English summary writes it: "Monday 4 January 2027".
function longDate(day) {
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = date.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = date.toLocaleDateString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${date.getUTCDate()} ${month} ${date.getUTCFullYear()}`;
}

// Checks a page the way every clinic page is checked, and photographs it.
async function look(page, name, t) {
  assert.equal(await page.locator('h1').count(), 1, `${name}: one h1`);
  const blocking = await axeBlocking(page, t);
  assert.equal(blocking, '', `${name}: axe finds no serious or critical violation:\n${blocking}`);
  await page.screenshot({ path: join(SCREENSHOTS, `clinic-${name}.png`), fullPage: true });
}

// The intake form's values for a vignette's document: every control set (the ones the document
// leaves out to "not recorded"), so that a pre-filled form does not carry answers over.
function intakeValues(input) {
  const values = {};
  for (const [section, fields] of Object.entries(input)) {
    if (section === 'diagnoses' || section === 'plan') continue;
    for (const [name, value] of Object.entries(fields)) {
      if (section === 'questionnaires' && (name === 'odi' || name === 'start_back')) {
        value.forEach((item, i) => { values[`${name}.${i + 1}`] = item === null ? '' : String(item); });
      } else {
        values[`${section}.${name}`] = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
      }
    }
  }
  for (const d of input.diagnoses ?? []) values[`diagnosis.${d.code}`] = d.confirmed_by_imaging ? 'confirmed' : 'suspected';
  if (input.plan?.start_date) values['plan.start_date'] = input.plan.start_date;
  return values;
}

async function fillIntake(page, values) {
  await page.evaluate((values) => {
    for (const el of document.getElementById('intake').elements) {
      if (!el.name) continue;
      const value = values[el.name] ?? '';
      if (el.type === 'radio') el.checked = el.value === value;
      else el.value = value;
    }
  }, values);
}

// Opens a demo patient from the work list's search.
async function openPatient(page, name) {
  await page.fill('#worklist-q', name.split(' ')[1]);
  await Promise.all([page.waitForNavigation(), page.click('form.search button')]);
  await Promise.all([page.waitForNavigation(), page.click(`a:text("${name}")`)]);
  assert.equal(await page.textContent('h1'), name);
}

describe('the clinic pages', () => {
  const assessments = {};

  test('a wrong password is refused on the login page, naming the field', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.base}/clinic/login`);
      await look(page, 'login', t);
      await page.fill('#login-email', 'demo-coordinator@discpath.example');
      await page.fill('#login-password', 'not the password');
      const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.equal(response.status(), 401);
      assert.match(await page.textContent('.error-summary'), /not right/);
      assert.equal(await page.getAttribute('.error-summary a', 'href'), '#login-email');
      await look(page, 'login-error', t);
    } finally {
      await context.close();
    }
  });

  test('a coordinator turns a consultation request into a patient, runs an intake for two vignettes and sees the pathway each expects', async (t) => {
    const visitor = await browser.newContext({ viewport: VIEWPORT });
    const form = await visitor.newPage();
    await form.goto(`${server.base}/c/demo/consultation`);
    await form.fill('#consultation-name', 'Nadia Brennan');
    await form.fill('#consultation-email', 'nadia@example.org');
    await form.check('#consultation-consent');
    await Promise.all([form.waitForNavigation(), form.locator('form#consultation button[type="submit"]').click()]);
    await visitor.close();
    const { context, page } = await logIn('coordinator');
    try {
      assert.ok(await page.locator('table tbody tr').count() >= 4, 'the demo patients are listed');
      await look(page, 'worklist', t);
      // A consultation request from the public form becomes a patient.
      await page.goto(`${server.base}/clinic/consultations`);
      await look(page, 'consultations', t);
      await Promise.all([page.waitForNavigation(), page.click('a:text("Nadia Brennan")')]);
      assert.equal(await page.inputValue('#register-email'), 'nadia@example.org', 'the details are carried over');
      await look(page, 'consultation', t);
      await page.fill('#register-mrn', 'CL-0101');
      await page.fill('#register-birth_date', '1980-06-01');
      await page.selectOption('#register-sex', 'female');
      await Promise.all([page.waitForNavigation(), page.click('#register button[type=submit]')]);
      assert.match(new URL(page.url()).pathname, /^\/clinic\/patients\//, 'registered: the patient page');
      await look(page, 'patient', t);
      for (const [patient, name] of [['Nadia Brennan', 'herniation-sequence'], ['Morgan Lindqvist', 'pregnant-herniation']]) {
        await page.goto(`${server.base}/clinic/`);
        await openPatient(page, patient);
        await Promise.all([page.waitForNavigation(), page.click('a:text("Start an intake")')]);
        if (name === 'herniation-sequence') await look(page, 'intake', t);
        const { input, expect } = vignette(name);
        await fillIntake(page, intakeValues(input));
        await Promise.all([page.waitForNavigation(), page.click('#intake button[type=submit]')]);
        assert.match(new URL(page.url()).pathname, /^\/clinic\/assessments\//, `${name}: the recommendation page`);
        assert.equal(await page.textContent('.pathway-title code'), expect.pathway, `${name}: the pathway the vignette expects`);
        assert.match(await page.textContent('main'), /discpath-clinic-pathway 2\.1\.0/, 'the knowledge base is named');
        assert.match(await page.textContent('main'), /sha256:[0-9a-f]{64}/, 'with its hash');
        assert.equal(await page.locator('#decision').count(), 0, 'a coordinator is not offered the decision form');
        assessments[name] = page.url();
        if (name === 'pregnant-herniation') await look(page, 'recommendation-coordinator', t);
      }
      await Promise.all([page.waitForNavigation(), page.click('a.who')]);
      assert.equal(await page.textContent('h1'), 'Your account');
      await look(page, 'account', t);
      // Two-factor sign-in: set up from the account page, the key shown until a code confirms it.
      await Promise.all([page.waitForNavigation(), page.click('#totp button[type=submit]')]);
      assert.match(await page.textContent('#totp-secret'), /^[A-Z2-7]{32}$/, 'a 160-bit key, in base32');
      assert.match(await page.getAttribute('#totp-address', 'href'), /^otpauth:\/\/totp\/discpath%3A/);
      await page.fill('#account-code', '12');
      const [wrong] = await Promise.all([page.waitForNavigation(), page.click('#totp button[type=submit]')]);
      assert.equal(wrong.status(), 422, 'a wrong code does not turn it on');
      assert.deepEqual(await page.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href'))), ['#account-code']);
      await look(page, 'account-two-factor', t);
      // The decision is refused to a coordinator, however it is posted.
      const refused = await page.request.post(`${assessments['herniation-sequence']}/decision`, { form: { action: 'accept' } });
      assert.equal(refused.status(), 403);
    } finally {
      await context.close();
    }
  });

  test('an intake the contract refuses names every field at fault and stores nothing', async (t) => {
    const { context, page } = await logIn('clinician');
    try {
      await openPatient(page, 'Sam Okafor');
      const before = await page.locator('table tbody tr').count();
      await Promise.all([page.waitForNavigation(), page.click('a:text("Start an intake")')]);
      await page.fill('#intake-patient-age', '');
      await page.fill('#intake-symptoms-leg_pain', '14');
      const [response] = await Promise.all([page.waitForNavigation(), page.click('#intake button[type=submit]')]);
      assert.equal(response.status(), 422);
      const links = await page.$$eval('.error-summary a', (as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
      assert.deepEqual(links.map(([href]) => href).sort(), ['#intake-patient-age', '#intake-symptoms-leg_pain']);
      assert.equal(await page.inputValue('#intake-symptoms-leg_pain'), '14', 'the answers stay as typed');
      await look(page, 'intake-error', t);
      await page.goto(`${server.base}/clinic/`);
      await openPatient(page, 'Sam Okafor');
      assert.equal(await page.locator('table tbody tr').count(), before, 'nothing was stored');
    } finally {
      await context.close();
    }
  });

  test('a clinician overrides with a reason, and is refused decompression on an absolute contraindication', async (t) => {
    const { context, page } = await logIn('clinician');
    try {
      await page.goto(assessments['pregnant-herniation']);
      await look(page, 'recommendation', t);
      await page.check('#decision-override');
      await page.selectOption('#decision-pathway', 'decompression_then_pt');
      await page.fill('#decision-reason', 'Patient asks for decompression.');
      const [refused] = await Promise.all([page.waitForNavigation(), page.click('#decision button[type=submit]')]);
      assert.equal(refused.status(), 422);
      assert.match(await page.textContent('.error-summary'), /absolute contraindication/);
      await look(page, 'recommendation-refused', t);

      await page.goto(assessments['herniation-sequence']);
      await page.check('#decision-override');
      await page.selectOption('#decision-pathway', 'physical_therapy');
      const [missing] = await Promise.all([page.waitForNavigation(), page.click('#decision button[type=submit]')]);
      assert.equal(missing.status(), 422, 'an override needs a reason');
      assert.match(await page.textContent('.error-summary'), /reason/);
      await page.fill('#decision-reason', 'Prefers to start with exercise; review at six weeks.');
      const [done] = await Promise.all([page.waitForNavigation(), page.click('#decision button[type=submit]')]);
      assert.equal(done.status(), 200);
      assert.match(await page.textContent('#decision'), /Overridden.*Physical therapy/s);
      assert.match(await page.textContent('#decision'), /Prefers to start with exercise/);
      await look(page, 'recommendation-decided', t);

      // The course, booked from the decision, as a calendar: starting in a week, so that the
      // baseline questionnaire's window (the four weeks before the start) is open today.
      const start = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
      await page.fill('#book-start_date', start);
      await Promise.all([page.waitForNavigation(), page.click('#book button[type=submit]')]);
      assert.match(new URL(page.url()).pathname, /^\/clinic\/care-plans\//, 'booked: the calendar');
      const planUrl = page.url().split('#')[0];
      const planId = new URL(planUrl).pathname.split('/').pop();
      const sessionIds = await page.$$eval('li.session', (items) => items.map((li) => li.id.replace('session-', '')));
      assert.equal(sessionIds.length, 12, 'the physical therapy course: 12 sessions');
      const mark = async (id, status) => {
        await Promise.all([page.waitForNavigation(), page.click(`#session-${id} button[value=${status}]`)]);
        assert.match(await page.textContent(`#session-${id} .entry-title`), new RegExp(status === 'attended' ? 'Attended' : 'Missed'));
      };
      await mark(sessionIds[0], 'attended');
      await mark(sessionIds[1], 'missed');
      await page.click(`#session-${sessionIds[2]} details:first-of-type summary`);
      await page.fill(`#session-${sessionIds[2]}-session_date`, '2027-01-08');
      await page.fill(`#session-${sessionIds[2]}-booked_time`, '09:30');
      await Promise.all([page.waitForNavigation(), page.click(`#session-${sessionIds[2]} details:first-of-type button[type=submit]`)]);
      assert.match(await page.textContent(`#session-${sessionIds[2]} .entry-title`), /2027-01-08 09:30/);
      await page.click(`#session-${sessionIds[0]} details:nth-of-type(2) summary`);
      await page.fill(`#session-${sessionIds[0]}-what`, 'Leg pain worse for two hours after the session');
      await page.selectOption(`#session-${sessionIds[0]}-severity`, 'mild');
      await page.fill(`#session-${sessionIds[0]}-action_taken`, 'Reduced the load; review next session');
      await Promise.all([page.waitForNavigation(), page.click(`#session-${sessionIds[0]} details:nth-of-type(2) button[type=submit]`)]);
      assert.match(await page.textContent(`#session-${sessionIds[0]}`), /Adverse event \(Mild\)/);
      assert.match(await page.textContent('main'), /Follow-up: 6 weeks.*Follow-up: 6 months/s, 'the follow-up points are on the calendar');
      await look(page, 'care-plan', t);

      // The iCalendar file, checked by a third-party parser (PyPI icalendar).
      const ics = await page.request.get(`${server.base}/api/v1/care-plans/${planId}/calendar.ics`);
      assert.equal(ics.status(), 200);
      assert.match(ics.headers()['content-type'], /^text\/calendar/);
      const plan = await (await page.request.get(`${server.base}/api/v1/care-plans/${planId}`)).json();
      const dir = mkdtempSync(join(tmpdir(), 'discpath-ics-'));
      try {
        writeFileSync(join(dir, 'plan.ics'), await ics.body());
        writeFileSync(join(dir, 'sessions.json'), JSON.stringify(plan.sessions));
        const { stdout } = await run('python3', [join(ROOT, 'tests/browser/check_ics.py'), join(dir, 'plan.ics'), join(dir, 'sessions.json')]);
        assert.match(stdout, /12 events, one per session/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      // A follow-up link: shown once to the clinician, it works once for the patient.
      const point = page.locator('li.follow-up', { hasText: 'baseline' });
      await Promise.all([page.waitForNavigation(), point.locator('button[type=submit]').click()]);
      const address = (await page.textContent('#issued-link .link-address')).trim();
      assert.match(address, /^http:\/\/127\.0\.0\.1:\d+\/f\/[A-Za-z0-9_-]{43}$/);
      await look(page, 'care-plan-link', t);
      const patient = await browser.newContext({ viewport: { width: 360, height: HEIGHT }, bypassCSP: true });
      try {
        const form = await patient.newPage();
        await form.goto(address);
        await look(form, 'follow-up', t);
        await recordText(form, 'follow-up');
        await form.check('#pain-back-3');
        const [refused] = await Promise.all([form.waitForNavigation(), form.click('#follow-up button[type=submit]')]);
        assert.equal(refused.status(), 422, 'the leg pain and the change are needed');
        assert.deepEqual(await form.$$eval('.error-summary a', (as) => as.map((a) => a.getAttribute('href'))), ['#pain-leg', '#global_change']);
        assert.ok(await form.isChecked('#pain-back-3'), 'the answers are kept');
        await look(form, 'follow-up-error', t);
        await form.check('#pain-leg-2');
        await form.check('#global_change-much_improved');
        for (let i = 1; i <= 10; i++) await form.check(`#odi-${i}-1`);
        const [done] = await Promise.all([form.waitForNavigation(), form.click('#follow-up button[type=submit]')]);
        assert.equal(done.status(), 200);
        assert.match(await form.textContent('h1'), /Thank you/);
        await look(form, 'follow-up-thanks', t);
        await recordText(form, 'follow-up-thanks');
        const again = await form.goto(address);
        assert.equal(again.status(), 410, 'used once, the link refuses');
        assert.match(await form.textContent('h1'), /no longer works/);
        await look(form, 'follow-up-gone', t);
        await recordText(form, 'follow-up-gone');
      } finally {
        await patient.close();
      }
      await page.reload();
      assert.match(await point.textContent(), /Completed/, 'the answered point is completed on the calendar');

      // The printable summary, read back by pdftotext (Debian's poppler-utils), and looked at.
      const pdf = await page.request.get(`${server.base}/api/v1/care-plans/${planId}/summary.pdf?lang=en`);
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      const pdfDir = mkdtempSync(join(tmpdir(), 'discpath-pdf-'));
      try {
        writeFileSync(join(pdfDir, 'summary.pdf'), await pdf.body());
        const { stdout: text } = await run('pdftotext', ['-layout', join(pdfDir, 'summary.pdf'), '-']);
        assert.match(text, /Nadia Brennan/, 'the summary names the patient');
        assert.match(text, /Your answers fit physical therapy/, 'the pathway in plain words');
        assert.match(text, new RegExp(longDate(plan.sessions[0].session_date)), 'the first session date');
        assert.match(text, /Prefers to start with exercise/, "the clinician's reason");
        await run('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', '-singlefile', join(pdfDir, 'summary.pdf'), join(SCREENSHOTS, 'clinic-summary-pdf')]);
      } finally {
        rmSync(pdfDir, { recursive: true, force: true });
      }

      // The timeline: the scores and the course drawn on the server, the events beneath.
      await page.goto(`${server.base}/clinic/patients/${plan.care_plan.patient_id}`);
      await Promise.all([page.waitForNavigation(), page.click('a:text("Timeline")')]);
      assert.equal(await page.locator('.chart-svg svg').count(), 2, 'two charts, as SVG');
      assert.match(await page.textContent('main'), /Overridden: Physical therapy/);
      assert.match(await page.textContent('main'), /Follow-up answered: before your first visit/);
      await look(page, 'timeline', t);

      await Promise.all([page.waitForNavigation(), page.click('.clinic-nav button')]);
      assert.match(await page.textContent('main'), /You have logged out/);
      await page.goto(`${server.base}/clinic/`);
      assert.equal(new URL(page.url()).pathname, '/clinic/login', 'the session has ended');
    } finally {
      await context.close();
    }
  });

  test('an administrator manages users and reads the audit trail, and is refused the work list', async (t) => {
    const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    const page = await context.newPage();
    try {
      await page.goto(`${server.base}/clinic/login`);
      await page.fill('#login-email', 'demo-admin@discpath.example');
      await page.fill('#login-password', demoPassword());
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.equal(new URL(page.url()).pathname, '/clinic/admin', 'an administrator lands on the administration page');
      await look(page, 'admin', t);
      await page.fill('#new-user-name', 'Priya Raman');
      await page.fill('#new-user-email', 'priya@clinic.example');
      await page.fill('#new-user-password', 'short');
      await page.selectOption('#new-user-role', 'clinician');
      const [refused] = await Promise.all([page.waitForNavigation(), page.click('#new-user button[type=submit]')]);
      assert.equal(refused.status(), 422);
      assert.equal(await page.getAttribute('.error-summary a', 'href'), '#new-user-password');
      assert.equal(await page.inputValue('#new-user-name'), 'Priya Raman', 'the answers are kept');
      await page.fill('#new-user-password', 'a long enough password');
      await Promise.all([page.waitForNavigation(), page.click('#new-user button[type=submit]')]);
      assert.match(await page.textContent('#users + .table-wrap'), /Priya Raman/);
      await page.goto(`${server.base}/clinic/admin/audit`);
      assert.ok(await page.locator('tbody tr').count() > 0, 'the trail has records');
      await look(page, 'audit', t);
      const response = await page.goto(`${server.base}/clinic/`);
      assert.equal(response.status(), 403, 'the work list is patient data');
      await look(page, 'forbidden', t);
    } finally {
      await context.close();
    }
  });

  test('a coordinator is refused the administration pages', async () => {
    const { context, page } = await logIn('coordinator');
    try {
      for (const path of ['/clinic/admin', '/clinic/admin/audit']) {
        const response = await page.goto(`${server.base}${path}`);
        assert.equal(response.status(), 403, path);
      }
    } finally {
      await context.close();
    }
  });
});
