#!/usr/bin/env node
// Load benchmark of the patients' result page (issue #8): the self-assessment's last post — the
// sealed answers of a finished self-assessment, "See my result" — which opens the seal, screens
// the red flags, lets the engine decide and renders the result page, with `oha` holding a fixed
// rate. In the same run, at the same rate, the start page (`GET /c/demo/`: the clinic read and
// the comparison rendered, no engine) as the reference.
//
// Usage: node bench/pages.mjs [--rate 500] [--seconds 30] [--repeat 3] [--json FILE]
// Needs: the release binary (cargo build --release -p discpath), oha (cargo install oha).
// The server runs `serve --demo` on a new SQLite file; the answers are those of a kb/vignettes
// document (tests/browser/answers.mjs, as the browser journeys give them), walked step by step
// over plain HTTP.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { formAnswers, vignette } from '../tests/browser/answers.mjs';
import { spawnServer } from '../tests/browser/support.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/discpath-target';
const BINARY = process.env.DISCPATH_BIN || join(resolve(ROOT, TARGET), 'release/discpath');
const VIGNETTE = 'herniation-sequence';

const { values: options } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});

// The value of a hidden field of the page's form.
const hidden = (html, name) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];

// Walks the self-assessment over HTTP with a vignette's answers; returns the check page's post
// (the sealed answers, "See my result") as a form body.
async function finishedAssessment(base) {
  const answers = formAnswers(vignette(VIGNETTE).input);
  let html = await (await fetch(`${base}/c/demo/assessment?lang=en`)).text();
  for (let i = 0; i < 12 && hidden(html, 'step') !== 'check'; i++) {
    const body = new URLSearchParams({ answers: hidden(html, 'answers'), step: hidden(html, 'step'), go: 'next' });
    const names = new Set([...html.matchAll(/<input[^>]* name="([^"]+)"/g)].map((m) => m[1]));
    for (const name of names) {
      for (const value of [].concat(answers[name] ?? [])) body.append(name, value);
    }
    const response = await fetch(`${base}/c/demo/assessment`, { method: 'POST', body });
    html = await response.text();
    if (response.status !== 200) throw new Error(`step ${body.get('step')}: ${response.status}\n${html.slice(0, 2000)}`);
  }
  if (hidden(html, 'step') !== 'check') throw new Error('the self-assessment did not reach the check page');
  return new URLSearchParams({ answers: hidden(html, 'answers'), step: 'check', go: 'next' }).toString();
}

// oha runs asynchronously: the event loop keeps reading the server's log from its pipe (as
// spawnServer does), which would otherwise fill and stall the server.
async function oha(url, { method = 'GET', body } = {}) {
  const args = ['--no-tui', '--output-format', 'json', '-z', `${options.seconds}s`, '-c', '50', '-w',
    '-q', options.rate, '--latency-correction', '-m', method];
  if (body) args.push('-H', 'content-type: application/x-www-form-urlencoded', '-d', body);
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'discpath-bench-pages-'));
const { child, base } = await spawnServer(BINARY, dir);
try {
  const body = await finishedAssessment(base);
  const check = await fetch(`${base}/c/demo/assessment`, {
    method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const result = await check.text();
  const pathway = /data-pathway="([^"]+)"/.exec(result)?.[1];
  if (check.status !== 200 || pathway !== vignette(VIGNETTE).expect.pathway) {
    throw new Error(`the result page: ${check.status}, pathway ${pathway}`);
  }
  const start = await (await fetch(`${base}/c/demo/?lang=en`)).text();
  console.error(`result page ${result.length} bytes (${pathway}); start page ${start.length} bytes; post ${body.length} bytes`);
  await new Promise((r) => setTimeout(r, 2000));
  const runs = { result: [], start: [] };
  for (let i = 0; i < Number(options.repeat); i++) {
    // Alternated within the run, so that the machine's moments fall on both alike.
    runs.result.push(await oha(`${base}/c/demo/assessment`, { method: 'POST', body }));
    runs.start.push(await oha(`${base}/c/demo/?lang=en`));
  }
  const rows = Object.entries(runs).map(([page, list]) => {
    const byP99 = [...list].sort((a, b) => a.p99_ms - b.p99_ms);
    const mid = byP99[Math.floor(byP99.length / 2)];
    return { page, ...mid, p99_all: list.map((r) => r.p99_ms), p50_median: median(list.map((r) => r.p50_ms)) };
  });
  console.log('| page | requests/s | p50 ms (median) | p99 ms (median run) | p99 ms (all runs) | non-200 |');
  console.log('|---|---:|---:|---:|---|---:|');
  for (const row of rows) {
    console.log(`| ${row.page} | ${row.requests_per_s.toFixed(0)} | ${row.p50_median.toFixed(2)} | ${row.p99_ms.toFixed(2)} | ` +
      `${row.p99_all.map((v) => v.toFixed(1)).join(', ')} | ${row.non_200} |`);
  }
  const [res, ref] = rows;
  console.log(`\nresult page / start page: p50 ${(res.p50_median / ref.p50_median).toFixed(2)}×, p99 ${(res.p99_ms / ref.p99_ms).toFixed(2)}×`);
  if (options.json) writeFileSync(options.json, JSON.stringify(runs, null, 2));
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

