// What the browser tests share: the real `discpath serve --demo` on a fresh SQLite file, Debian's
// Chromium (never a downloaded browser) driven by playwright-core, and axe-core.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const LANGUAGES = ['en', 'es'];
// What a browser set to each language sends: a region first, then a fallback.
export const ACCEPT_LANGUAGE = { en: 'en-GB,en;q=0.9', es: 'es-MX,es;q=0.9,en;q=0.5' };
export const WIDTHS = [360, 1280];
export const HEIGHT = 800;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');
const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/discpath-target';
const BINARY = process.env.DISCPATH_BIN || join(resolve(ROOT, TARGET), 'debug/discpath');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
export const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// Where the visible text of every patient page is left for the readability check
// (tests/readability/check.py, run by tests/run after these tests); unset, nothing is kept.
const READABILITY = process.env.DISCPATH_READABILITY_DIR;

export let server; // { child, base, output: string[], exited: Promise<{code, signal}> }
export let browser;
let workDir;

function prerequisites() {
  const missing = [];
  if (!existsSync(BINARY)) {
    missing.push(
      `the discpath binary is not at ${BINARY}: build it first ` +
        `(CARGO_TARGET_DIR=${TARGET} cargo build -p discpath, or tests/run, which runs cargo test first)`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    missing.push(`Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install -y chromium)`);
  }
  return missing;
}

// Starts `binary serve --demo` on a fresh SQLite file in `dir`, on a port the OS picks; resolves
// once it answers /readyz. Its output keeps being read (into `output`), so that a full pipe never
// stalls it. Shared with the benchmarks (bench/pages.mjs).
export async function spawnServer(binary, dir) {
  // The server's own settings only: no DISCPATH_* variable of the caller's shell leaks in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCPATH_')));
  const child = spawn(
    binary,
    [
      'serve', '--demo',
      '--listen', '127.0.0.1:0', // the OS picks a free port; the server prints the one it bound
      '--database', `sqlite://${join(dir, 'x.sqlite3')}`,
      '--insecure-cookies',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = [];
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no address in 60 s:\n${output.join('')}`)), 60_000);
    let listening = false;
    const onData = (chunk) => {
      output.push(chunk.toString());
      // Only until the address is found: later output (the access log) is only kept.
      const match = !listening && /^discpath listening on (http:\/\/\S+)/m.exec(output.join(''));
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolveBase(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${output.join('')}`));
    });
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      // not accepting yet
    }
    if (Date.now() > deadline) throw new Error(`${base}/readyz did not answer 200 in 60 s:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output, exited };
}

async function startServer() {
  workDir = mkdtempSync(join(tmpdir(), 'discpath-browser-'));
  server = await spawnServer(BINARY, workDir);
}

export async function stopServer() {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return server && server.exited;
  server.child.kill('SIGTERM');
  const timeout = new Promise((r) => setTimeout(() => r(null), 15_000));
  const result = await Promise.race([server.exited, timeout]);
  if (result === null) {
    server.child.kill('SIGKILL');
    throw new Error('the server did not stop within 15 s of SIGTERM');
  }
  return result;
}

// Starts the server and the browser (the test file's `before`); `finish` is its `after`.
export async function begin() {
  const missing = prerequisites();
  if (missing.length) throw new Error(`cannot run the browser tests:\n- ${missing.join('\n- ')}`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function finish() {
  await browser?.close();
  try {
    await stopServer();
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
}

// The URL and the request headers of one way of asking for a page in a language: the switch
// (`?lang=`, which must win over a browser set to the other language) or the browser's
// `Accept-Language` alone, on a fresh context (no language cookie).
export function request(page, lang, via) {
  const url = new URL(page.path, server.base);
  if (via === 'query') {
    url.searchParams.set('lang', lang);
    const other = LANGUAGES.find((l) => l !== lang);
    return { url: url.href, headers: { 'Accept-Language': ACCEPT_LANGUAGE[other] } };
  }
  return { url: url.href, headers: { 'Accept-Language': ACCEPT_LANGUAGE[lang] } };
}

// Opens a page in a fresh context and records what the checks need: console errors, uncaught
// errors, requests to other origins and failed subresources.
export async function open(url, contextOptions) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const seen = { consoleErrors: [], foreignRequests: [], failedRequests: [] };
  const origin = new URL(server.base).origin;
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.consoleErrors.push(`${msg.text()} [${msg.location().url}]`);
  });
  page.on('pageerror', (err) => seen.consoleErrors.push(`uncaught: ${err.message}`));
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.origin !== origin && u.protocol !== 'data:') seen.foreignRequests.push(req.url());
  });
  page.on('requestfailed', (req) => seen.failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'document' && res.status() >= 400) {
      seen.failedRequests.push(`${res.url()}: ${res.status()}`);
    }
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  return { context, page, response, seen };
}

export function describeViolations(violations) {
  return violations
    .map((v) =>
      [`${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`]
        .concat(v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary || '').replace(/\n/g, '\n      ')}`))
        .join('\n'))
    .join('\n');
}

// Tabs through the page from the top; returns every focused element and its focus style.
export async function tabStops(page) {
  const stops = [];
  for (let i = 0; i < 100; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      return {
        html: el.outerHTML.slice(0, 120),
        tag: el.tagName.toLowerCase(),
        href: el.getAttribute('href'),
        isSkipLinkToMain: el.tagName === 'A' && !!document.querySelector('main[id]') &&
          el.getAttribute('href') === `#${document.querySelector('main[id]').id}`,
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth) || 0,
        outlineColor: style.outlineColor,
        box: { x: box.x, y: box.y, width: box.width, height: box.height },
        inViewport: box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0 &&
          box.left < innerWidth && box.top < innerHeight,
      };
    });
    if (!stop || (stops.length && stop.html === stops[0].html)) break;
    stops.push(stop);
  }
  return stops;
}

export const visibleOutline = (s) =>
  s.outlineStyle !== 'none' && s.outlineWidth >= 1 && !/rgba\(.*,\s*0\)$/.test(s.outlineColor) &&
  s.outlineColor !== 'transparent';


// Runs axe-core on a page opened with `bypassCSP: true` (the pages' policy forbids every
// script, axe's too); returns the serious and critical violations, described.
export async function axeBlocking(page, t) {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  if (!results.passes.length) throw new Error('axe ran no rules');
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const other = results.violations.filter((v) => !blocking.includes(v));
  if (other.length && t) t.diagnostic(`axe, minor/moderate:\n${describeViolations(other)}`);
  return describeViolations(blocking);
}

// Keeps the visible text of the page on screen for the readability check: what a patient reads,
// block by block (one line each), without the questionnaires' items and copyright notices
// (marked data-readability="exempt"), the text only screen readers get and hidden elements. A
// page seen twice with the same words is kept once.
export async function recordText(page, name) {
  if (!READABILITY) return;
  const lang = await page.getAttribute('html', 'lang');
  const text = await page.evaluate(() => {
    const away = [...document.querySelectorAll('[data-readability="exempt"], .visually-hidden, .honeypot')];
    const before = away.map((el) => el.style.display);
    away.forEach((el) => { el.style.display = 'none'; });
    const text = document.body.innerText;
    away.forEach((el, i) => { el.style.display = before[i]; });
    return text;
  });
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const dir = join(READABILITY, lang);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}-${digest}.txt`), text);
}
