// Browser tests of the patients' pages: the real `discpath serve --demo` on a fresh SQLite file,
// Debian's Chromium (never a downloaded browser) driven by playwright-core, axe-core for
// accessibility. Run with `node --test tests/browser/` after `cargo build` / `cargo test`.
//
// To test a new page, add one line to PAGES.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// Every page, by the name its screenshots carry. `status` is what the page answers (200 unless
// said otherwise).
const PAGES = [
  { name: 'start', path: '/c/demo/' },
  { name: 'not-found', path: '/c/nope/', status: 404 },
];

const LANGUAGES = ['en', 'es'];
// What a browser set to each language sends: a region first, then a fallback.
const ACCEPT_LANGUAGE = { en: 'en-GB,en;q=0.9', es: 'es-MX,es;q=0.9,en;q=0.5' };
const WIDTHS = [360, 1280];
const HEIGHT = 800;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = join(ROOT, 'docs/screenshots');
const TARGET = process.env.CARGO_TARGET_DIR || '/var/tmp/discpath-target';
const BINARY = process.env.DISCPATH_BIN || join(resolve(ROOT, TARGET), 'debug/discpath');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server; // { child, base, output: string[], exited: Promise<{code, signal}> }
let browser;
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

async function startServer() {
  workDir = mkdtempSync(join(tmpdir(), 'discpath-browser-'));
  // The server's own settings only: no DISCPATH_* variable of the caller's shell leaks in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCPATH_')));
  const child = spawn(
    BINARY,
    [
      'serve', '--demo',
      '--listen', '127.0.0.1:0', // the OS picks a free port; the server prints the one it bound
      '--database', `sqlite://${join(workDir, 'x.sqlite3')}`,
      '--insecure-cookies',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = [];
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no address in 60 s:\n${output.join('')}`)), 60_000);
    const onData = (chunk) => {
      output.push(chunk.toString());
      const match = /^discpath listening on (http:\/\/\S+)/m.exec(output.join(''));
      if (match) {
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
  server = { child, base, output, exited };
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
}

async function stopServer() {
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

before(async () => {
  const missing = prerequisites();
  if (missing.length) throw new Error(`cannot run the browser tests:\n- ${missing.join('\n- ')}`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  try {
    await stopServer();
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
});

// The URL and the request headers of one way of asking for a page in a language: the switch
// (`?lang=`, which must win over a browser set to the other language) or the browser's
// `Accept-Language` alone, on a fresh context (no language cookie).
function request(page, lang, via) {
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
async function open(url, contextOptions) {
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

function describeViolations(violations) {
  return violations
    .map((v) =>
      [`${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`]
        .concat(v.nodes.map((n) => `    ${n.target.join(' ')}\n      ${(n.failureSummary || '').replace(/\n/g, '\n      ')}`))
        .join('\n'))
    .join('\n');
}

// Tabs through the page from the top; returns every focused element and its focus style.
async function tabStops(page) {
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

const visibleOutline = (s) =>
  s.outlineStyle !== 'none' && s.outlineWidth >= 1 && !/rgba\(.*,\s*0\)$/.test(s.outlineColor) &&
  s.outlineColor !== 'transparent';

for (const spec of PAGES) {
  const status = spec.status ?? 200;
  describe(`${spec.name} (${spec.path})`, () => {
    for (const lang of LANGUAGES) {
      for (const via of ['query', 'header']) {
        for (const width of WIDTHS) {
          const viewport = { width, height: HEIGHT };
          test(`${lang} by ${via === 'query' ? '?lang=' : 'Accept-Language'} at ${width} px`, async (t) => {
            const { url, headers } = request(spec, lang, via);
            const { context, page, response, seen } = await open(url, { viewport, extraHTTPHeaders: headers });
            try {
              assert.equal(response.status(), status, `${url} answers ${status}`);
              assert.match(response.headers()['content-type'] ?? '', /^text\/html/, 'an HTML page');
              assert.equal(await page.getAttribute('html', 'lang'), lang, '<html lang>');

              // Screenshot first, as a patient sees the page on arrival (nothing focused).
              if (via === 'query') {
                await page.screenshot({ path: join(SCREENSHOTS, `${spec.name}-${lang}-${width}.png`), fullPage: true });
              }

              assert.equal(await page.locator('script').count(), 0, 'no <script> element');
              const headings = await page.locator('h1').allTextContents();
              assert.equal(headings.length, 1, `one <h1>, found ${JSON.stringify(headings)}`);

              // Nothing wider than the window, with every <details> closed and open.
              const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);
              assert.ok((await overflow()) <= width, `scrollWidth ${await overflow()} > ${width} (details closed)`);
              await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
              assert.ok((await overflow()) <= width, `scrollWidth ${await overflow()} > ${width} (details open)`);
              await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = false; }));

              // Keyboard: from the top, Tab reaches the skip link first, shown on screen; every
              // stop after it has a visible outline too; Enter on the skip link moves to <main>.
              await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
              const stops = await tabStops(page);
              assert.ok(stops.length > 0, 'Tab focuses something');
              assert.ok(stops[0].isSkipLinkToMain, `the first Tab stop is the skip link to <main>, not ${stops[0].html}`);
              assert.ok(stops[0].inViewport, `the focused skip link is on screen: ${JSON.stringify(stops[0].box)}`);
              const unoutlined = stops.filter((s) => !visibleOutline(s));
              assert.deepEqual(unoutlined.map((s) => `${s.html} (outline ${s.outlineStyle} ${s.outlineWidth}px ${s.outlineColor})`), [],
                'every focused element has a visible outline');
              t.diagnostic(`tab stops: ${stops.map((s) => s.tag + (s.href ? `[${s.href}]` : '')).join(' → ')}`);
              await page.evaluate(() => document.activeElement?.blur());
              await page.keyboard.press('Tab');
              await page.keyboard.press('Enter');
              assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'MAIN', 'the skip link moves focus to <main>');

              // Chromium logs a page's own error status (the 404 page) as a console error, and the
              // 404 of its own /favicon.ico request (once per browser, so only in the first test: the
              // pages declare no icon). Neither is the page's doing; a subresource the page asks for
              // and cannot load still fails, here and in the check above.
              const consoleErrors = seen.consoleErrors.filter((m) => {
                const at = /\[(.*)\]$/.exec(m)?.[1];
                const ownStatus = at === url && status !== 200 && m.includes(`status of ${status} `);
                const favicon = at === new URL('/favicon.ico', url).href;
                return !ownStatus && !favicon;
              });
              assert.deepEqual(consoleErrors, [], 'no console errors');
              assert.deepEqual(seen.foreignRequests, [], 'no request to another origin');
              assert.deepEqual(seen.failedRequests, [], 'every subresource loads');

              // The same page with JavaScript off renders the same main heading.
              const noJs = await open(url, { viewport, extraHTTPHeaders: headers, javaScriptEnabled: false });
              try {
                assert.equal(noJs.response.status(), status);
                assert.deepEqual(await noJs.page.locator('h1').allTextContents(), headings, 'the same <h1> without JavaScript');
              } finally {
                await noJs.context.close();
              }
            } finally {
              await context.close();
            }

            // axe-core. The page's Content-Security-Policy forbids every script, axe's too, so this
            // run alone uses a context with bypassCSP: true; every other check above runs under the
            // page's real CSP.
            const axeRun = await open(url, { viewport, extraHTTPHeaders: headers, bypassCSP: true });
            try {
              await axeRun.page.addScriptTag({ path: AXE });
              const results = await axeRun.page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
              assert.ok(results.passes.length > 0, 'axe ran its rules');
              const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
              const other = results.violations.filter((v) => !blocking.includes(v));
              if (other.length) t.diagnostic(`axe, minor/moderate:\n${describeViolations(other)}`);
              assert.equal(blocking.length, 0, `axe: serious or critical violations on ${url}:\n${describeViolations(blocking)}`);
            } finally {
              await axeRun.context.close();
            }
          });
        }
      }
    }

    test('English and Spanish differ', async () => {
      const titles = {};
      for (const lang of LANGUAGES) {
        const { url, headers } = request(spec, lang, 'query');
        const res = await fetch(url, { headers });
        titles[lang] = /<title>([^<]*)<\/title>/.exec(await res.text())?.[1];
        assert.ok(titles[lang], `${url} has a <title>`);
      }
      assert.notEqual(titles.en, titles.es, 'the Spanish page is translated');
    });
  });
}

test('the server stops on SIGTERM', async () => {
  const { code, signal } = await stopServer();
  assert.equal(code, 0, `exit status after SIGTERM (signal ${signal}):\n${server.output.join('').slice(-2000)}`);
});
