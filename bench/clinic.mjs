#!/usr/bin/env node
// Load benchmark of the clinic's pages (issue #9, point 11): the work list with 10,000 patients
// (its first page: 50 patients, each with the status of its latest episode, and a search), and
// the recommendation page, with `oha` holding a fixed rate, as the demo clinician (an API token,
// which the pages accept like the session cookie). Every view is audited: the work list writes
// one audit record per patient it shows.
//
// Usage: node bench/clinic.mjs [--patients 10000] [--rate 200] [--seconds 30] [--repeat 3]
// Needs: the release binary (cargo build --release -p discpath), oha (cargo install oha).
// The server runs `serve --demo` on a new SQLite file, seeded here over the JSON API.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { spawnServer } from '../tests/browser/support.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/discpath-target';
const BINARY = process.env.DISCPATH_BIN || join(resolve(ROOT, TARGET), 'release/discpath');

const { values: options } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '3' },
  },
});

async function oha(url, token) {
  const args = ['--no-tui', '--output-format', 'json', '-z', `${options.seconds}s`, '-c', '50', '-w',
    '-q', options.rate, '--latency-correction', '-H', `authorization: Bearer ${token}`];
  const { stdout } = await promisify(execFile)('oha', [...args, url], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const report = JSON.parse(stdout);
  const statuses = report.statusCodeDistribution ?? {};
  return {
    requests_per_s: report.summary.requestsPerSec,
    p50_ms: report.latencyPercentiles.p50 * 1000,
    p99_ms: report.latencyPercentiles.p99 * 1000,
    non_200: Object.entries(statuses).filter(([code]) => code !== '200').reduce((n, [, count]) => n + count, 0)
      + Object.values(report.errorDistribution ?? {}).reduce((n, count) => n + count, 0),
  };
}

async function api(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The demo clinician's API token (logging in with the password serve --demo printed).
async function clinicianToken(base, output) {
  const password = /password: (\S+)/.exec(output.join(''))[1];
  const login = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'demo-clinician@discpath.example', password }),
  });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const created = await fetch(`${base}/api/v1/tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  return (await created.json()).token;
}

// Registers `count` patients, each with an open episode, eight at a time; every 20th is
// assessed (the herniation vignette), so the work list shows a mix of statuses.
async function seed(base, token, count) {
  const document = JSON.parse(readFileSync(join(ROOT, 'kb/vignettes/herniation-sequence.json'), 'utf8')).input;
  let next = 0;
  let assessment;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const mrn = `SEED-${String(i).padStart(6, '0')}`;
      const patient = await api(base, token, 'POST', '/api/v1/patients', {
        mrn, name: `Seed Patient ${i}`, birth_date: '1970-01-01', sex: i % 2 ? 'female' : 'male',
      });
      const episode = await api(base, token, 'POST', `/api/v1/patients/${patient.patient_id}/episodes`, { title: 'Low back pain' });
      if (i % 20 === 0) {
        const stored = await api(base, token, 'POST', `/api/v1/episodes/${episode.episode_id}/assessments`, document);
        assessment ??= stored.assessment_id;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return assessment;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'discpath-bench-clinic-'));
const { child, base, output } = await spawnServer(BINARY, dir);
try {
  const token = await clinicianToken(base, output);
  const began = Date.now();
  const assessment = await seed(base, token, Number(options.patients));
  console.error(`seeded ${options.patients} patients with episodes in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  const pages = {
    'work list, first page (50 patients)': `${base}/clinic/`,
    'work list, search "Patient 99"': `${base}/clinic/?q=Patient%2099`,
    'recommendation page': `${base}/clinic/assessments/${assessment}`,
  };
  for (const [name, url] of Object.entries(pages)) {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const html = await response.text();
    if (response.status !== 200) throw new Error(`${name}: ${response.status}`);
    console.error(`${name}: ${html.length} bytes`);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const runs = Object.fromEntries(Object.keys(pages).map((name) => [name, []]));
  for (let i = 0; i < Number(options.repeat); i++) {
    for (const [name, url] of Object.entries(pages)) runs[name].push(await oha(url, token));
  }
  console.log(`| page (${options.patients} patients, ${options.rate} requests/s) | requests/s | p50 ms (median) | p99 ms (median run) | p99 ms (all runs) | non-200 |`);
  console.log('|---|---:|---:|---:|---|---:|');
  for (const [name, list] of Object.entries(runs)) {
    const mid = [...list].sort((a, b) => a.p99_ms - b.p99_ms)[Math.floor(list.length / 2)];
    console.log(`| ${name} | ${mid.requests_per_s.toFixed(0)} | ${median(list.map((r) => r.p50_ms)).toFixed(2)} | ` +
      `${mid.p99_ms.toFixed(2)} | ${list.map((r) => r.p99_ms.toFixed(1)).join(', ')} | ${list.reduce((n, r) => n + r.non_200, 0)} |`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
