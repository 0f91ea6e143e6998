#!/usr/bin/env node
// Load benchmark of the CDS Hooks patient-view service (issue #10, point 6): full prefetch, JWT
// checking on (ES384, a new jti on every call, as the spec requires), on loopback, with the load
// generator on the same two cores. Each call is a full evaluation and one audit record.
//
// Open loop: request i is due at start + i/rate whatever happened before, and its latency counts
// from when it was due (so a stall is not hidden: no coordinated omission). Then a closed loop
// of 64 concurrent calls as fast as they go, for the maximum rate.
//
// Usage: node bench/cds.mjs [--rate 500] [--seconds 20] [--repeat 3]
// Needs: the release binary (cargo build --release -p discpath).

import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/discpath-target';
const BINARY = process.env.DISCPATH_BIN || join(resolve(ROOT, TARGET), 'release/discpath');
const { values: options } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
  },
});
const AUDIENCE = 'https://cds.bench';
const PATH = '/cds-services/lbp-disc-pathway';
const ISSUER = 'https://ehr.bench';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const b64 = (data) => Buffer.from(data).toString('base64url');
function jwt() {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: 'ES384', typ: 'JWT', kid: 'bench' }));
  const body = b64(JSON.stringify({ iss: ISSUER, sub: 'bench', aud: AUDIENCE + PATH, iat: now, exp: now + 600, jti: randomUUID() }));
  const signature = sign('sha384', Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${b64(signature)}`;
}

const request = JSON.stringify({
  hook: 'patient-view', hookInstance: randomUUID(),
  context: { userId: 'Practitioner/pr-1', patientId: 'pt-001' },
  prefetch: {
    patient: { resourceType: 'Patient', id: 'pt-001', gender: 'female', birthDate: '1979-04-15' },
    conditions: { resourceType: 'Bundle', type: 'searchset', entry: [
      { resource: { resourceType: 'Condition', id: 'c1', clinicalStatus: { coding: [{ code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M51.16' }] }, onsetDateTime: '2026-07-01' } },
      { resource: { resourceType: 'Condition', id: 'c2', clinicalStatus: { coding: [{ code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z79.01' }] } } },
    ] },
    nrs: { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Observation', id: 'n1', status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '72514-3' }] }, effectiveDateTime: '2026-11-30', valueInteger: 7 } }] },
    odi: { resourceType: 'Bundle', type: 'searchset', total: 0 },
  },
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function call(url, token) {
  return new Promise((done) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(request) } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode));
    });
    req.on('error', () => done(0));
    req.end(request);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function openLoop(url, rate, seconds) {
  const total = rate * seconds;
  const tokens = Array.from({ length: total }, jwt); // signed before, so signing costs nothing during the run
  const latencies = [];
  const served = [];
  const lags = [];
  let failed = 0;
  const start = performance.now() + 100;
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    lags.push(sent - due);
    pending.push(call(url, tokens[i]).then((status) => {
      const end = performance.now();
      latencies.push(end - due);
      served.push(end - sent);
      if (status !== 200) failed++;
    }));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  for (const list of [latencies, served, lags]) list.sort((a, b) => a - b);
  return {
    rps: total / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1), failed,
    sent_p50: percentile(served, 0.5), sent_p99: percentile(served, 0.99), lag_p99: percentile(lags, 0.99),
  };
}

async function closedLoop(url, seconds, concurrency = 64) {
  const tokens = Array.from({ length: 40000 }, jwt);
  let next = 0;
  let done = 0;
  const failed = {};
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end && next < tokens.length) {
      const status = await call(url, tokens[next++]);
      done++;
      if (status !== 200) failed[status] = (failed[status] ?? 0) + 1;
    }
  }));
  return { rps: done / ((performance.now() - start) / 1000), failed };
}

const dir = mkdtempSync(join(tmpdir(), 'discpath-bench-cds-'));
writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES384', use: 'sig' }] }));
writeFileSync(join(dir, 'serve.toml'), `[cds]\naudience = "${AUDIENCE}"\n\n[[cds.client]]\nissuer = "${ISSUER}"\nclinic = "Demo Spine Clinic"\njwks_file = "${join(dir, 'keys.json')}"\n`);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCPATH_')));
const child = spawn(BINARY, ['serve', '--demo', '--listen', '127.0.0.1:0', '--database', `sqlite://${join(dir, 'x.sqlite3')}`, '--config', join(dir, 'serve.toml')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
try {
  const base = await new Promise((resolveBase, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const match = /discpath listening on (http:\/\/\S+)/.exec(text);
      if (match) resolveBase(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${text}`)));
  });
  for (;;) {
    if ((await fetch(`${base}/readyz`).catch(() => null))?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = base + PATH;
  const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt()}` }, body: request });
  const cards = await check.json();
  if (check.status !== 200) throw new Error(`patient-view: ${check.status} ${JSON.stringify(cards)}`);
  console.error(`patient-view answers ${cards.cards.length} cards: ${cards.cards.map((c) => c.indicator).join(', ')}`);
  const runs = [];
  for (let i = 0; i < Number(options.repeat); i++) runs.push(await openLoop(url, Number(options.rate), Number(options.seconds)));
  const mid = [...runs].sort((a, b) => a.p99 - b.p99)[Math.floor(runs.length / 2)];
  console.log(`| patient-view, ${options.rate}/s offered | ${mid.rps.toFixed(0)} | ${mid.p50.toFixed(2)} | ${mid.p99.toFixed(2)} | ${runs.map((r) => r.p99.toFixed(2)).join(', ')} | ${mid.max.toFixed(1)} | ${runs.reduce((n, r) => n + r.failed, 0)} |`);
  console.log(`(from the send: p50 ${mid.sent_p50.toFixed(2)} ms, p99 ${mid.sent_p99.toFixed(2)} ms; the generator's own lag behind schedule, p99 ${mid.lag_p99.toFixed(2)} ms)`);
  const max = await closedLoop(url, Number(options.seconds));
  const refused = Object.entries(max.failed).map(([code, n]) => `${n} × ${code}`).join(', ') || '0';
  console.log(`| patient-view, 64 concurrent, as fast as it goes | ${max.rps.toFixed(0)} | | | | | ${refused} |`);
} finally {
  child.kill('SIGTERM');
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
