#!/usr/bin/env python3
"""Flood benchmark of `discpath serve`: anonymous logins and public form posts (issue #7).

A fresh database (a SQLite file, or a new PostgreSQL database that is dropped afterwards), a clinic
admin and a clinician made with `discpath admin create-user`, the release binary started with
`serve --insecure-cookies`. Then two floods, each of --requests requests from --concurrency
concurrent connections (asyncio, raw HTTP/1.1, one keep-alive connection per worker, reopened
after an error or a `connection: close`):

  1. logins: POST /api/v1/session, alternately a wrong password for the clinician's e-mail and an
     unknown random e-mail; meanwhile, every 200 ms, one attempt with the clinician's correct
     password (each on a new connection). "Throttled-account successes" counts correct-password
     attempts answered 200 that were sent after the account had been answered 429 in this flood
     (the goal is 0).
  2. public form: multipart POST /api/v1/clinics/{clinic_id}/consultation-requests with name, email,
     message and an `mri_report` PDF (%PDF-1.4, padded to --pdf-kib KiB, different in each request).

During each flood a separate process polls GET /readyz every 20 ms (a fixed schedule, each probe on
an idle connection or a new one, so a slow answer does not hide the next ones) and samples the
server's VmRSS and VmHWM from /proc every 100 ms. The /readyz percentiles are over the probes
answered 200; the others (non-200 answers, errors) are counted beside them, and so are the ticks
skipped because 200 probes were already in flight. A request that fails or takes more than 30 s
counts as "error" (the JSON has the kind: timeout, ConnectionResetError, ...). If the server's
VmRSS passes --rss-limit-mib (default 8192; 0 for none) the probe kills it with SIGKILL, to keep a
shared machine alive, and the table says so; a server that died is started again before the next
flood.

Usage: python3 bench/flood.py [--binary PATH] [--database sqlite|postgres] [--concurrency 500]
                              [--requests 5000] [--clients N] [--json FILE]

--clients N: the flood comes from N addresses (the server trusts loopback as a proxy and reads
them from X-Forwarded-For), and the account's owner logs in from an address of their own.
Needs: Python 3.11 (standard library only), the release binary, PostgreSQL on 127.0.0.1:5432 for
--database postgres. Prints a Markdown table; --json FILE writes the raw figures.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ADMIN_EMAIL = "flood-admin@clinic.example"
EMAIL = "flood-clinician@clinic.example"
PASSWORD = "flood-password-0123456789"
TIMEOUT = 30.0
READYZ_EVERY = 0.020
RSS_EVERY = 0.100
CORRECT_EVERY = 0.200
READYZ_MAX_IN_FLIGHT = 200


# --- a minimal HTTP/1.1 client --------------------------------------------------------------------

class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None
        self.used = 0

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=1 << 20)
        self.used = 0

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method, path, headers=(), body=b""):
        """Sends one request, returns (status, response headers, body); raises on any failure."""
        if self.writer is None:
            await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"content-length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.writer.write(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.writer.write(body)
        try:
            await self.writer.drain()
        except (ConnectionError, OSError):
            # The server may answer (413, 429) and close before reading the whole body: the
            # answer can still be in the read buffer.
            pass
        self.used += 1
        status_line = await self.reader.readuntil(b"\r\n")
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ConnectionError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        response_headers = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers[name.strip().lower()] = value.strip()
        if "content-length" in response_headers:
            data = await self.reader.readexactly(int(response_headers["content-length"]))
        elif "chunked" in response_headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while await self.reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            data = b"".join(chunks)
        elif status in (204, 304) or 100 <= status < 200:
            data = b""
        else:
            data = await self.reader.read()
            response_headers["connection"] = "close"
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, response_headers, data


async def send(connection, method, path, headers=(), body=b"", timeout=TIMEOUT):
    """One request with a timeout: (status or "error", error text or None, response headers).
    Retries once on a new
    connection when a reused keep-alive connection turns out to have been closed by the server."""
    for attempt in range(2):
        reused = connection.writer is not None and connection.used > 0
        try:
            status, response_headers, _ = await asyncio.wait_for(
                connection.request(method, path, headers, body), timeout)
            return status, None, response_headers
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as error:
            connection.close()
            if reused and attempt == 0 and (not isinstance(error, asyncio.IncompleteReadError)
                                            or not error.partial):
                continue
            return "error", type(error).__name__, {}
        except (TimeoutError, asyncio.TimeoutError):
            connection.close()
            return "error", "timeout", {}
        except (OSError, ValueError, asyncio.LimitOverrunError) as error:
            connection.close()
            return "error", type(error).__name__, {}
    return "error", "unreachable", {}


# --- the probe process: /readyz latency and the server's memory -----------------------------------

def read_status_kib(pid):
    """VmRSS and VmHWM in KiB; {} when the process is gone (or a zombie)."""
    figures = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    figures[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return figures


async def probe_loop(port, pid, stop, ready, rss_limit_kib):
    readyz, rss, missed, killed = [], [], 0, None
    idle = []
    in_flight = 0

    async def one(scheduled):
        nonlocal in_flight
        connection = idle.pop() if idle else Connection("127.0.0.1", port)
        start = time.monotonic()
        status, error, _ = await send(connection, "GET", "/readyz")
        readyz.append((scheduled, time.monotonic() - start, status, error))
        if connection.writer is not None:
            idle.append(connection)
        in_flight -= 1

    async def memory():
        nonlocal killed
        while not stop.is_set():
            figures = read_status_kib(pid)
            if not figures:
                return
            rss.append((time.monotonic(), figures))
            if rss_limit_kib and figures.get("VmRSS", 0) > rss_limit_kib and killed is None:
                # Protect the machine (and whatever else runs on it) from the server under test.
                killed = figures["VmRSS"]
                os.kill(pid, signal.SIGKILL)
                return
            await asyncio.sleep(RSS_EVERY)

    sampler = asyncio.create_task(memory())
    tasks = set()
    next_tick = time.monotonic()
    ready.set()
    while not stop.is_set():
        if in_flight >= READYZ_MAX_IN_FLIGHT:
            missed += 1
        else:
            in_flight += 1
            task = asyncio.create_task(one(next_tick))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        next_tick += READYZ_EVERY
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
    if tasks:
        await asyncio.wait(tasks, timeout=TIMEOUT + 1)
    await sampler
    for connection in idle:
        connection.close()
    return {"readyz": readyz, "rss": rss, "missed": missed, "killed_at_rss_kib": killed}


def probe_main(port, pid, stop, ready, rss_limit_kib, pipe):
    pipe.send(asyncio.run(probe_loop(port, pid, stop, ready, rss_limit_kib)))
    pipe.close()


class Probe:
    def __init__(self, port, pid, rss_limit_kib):
        context = multiprocessing.get_context("fork")
        self.stop, self.ready = context.Event(), context.Event()
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=probe_main, args=(port, pid, self.stop, self.ready, rss_limit_kib, sender), daemon=True)

    def __enter__(self):
        self.process.start()
        self.ready.wait(10)
        return self

    def finish(self):
        self.stop.set()
        result = self.receiver.recv()
        self.process.join(10)
        return result

    def __exit__(self, *_):
        if self.process.is_alive():
            self.stop.set()
            self.process.join(TIMEOUT + 5)


# --- the floods -----------------------------------------------------------------------------------

def count(table, kind, status):
    statuses = table.setdefault(kind, {})
    statuses[str(status)] = statuses.get(str(status), 0) + 1


async def run_workers(port, concurrency, jobs):
    """Runs `jobs` (a list of coroutine factories taking a Connection) on `concurrency` workers,
    each with its own keep-alive connection."""
    queue = iter(jobs)

    async def worker():
        connection = Connection("127.0.0.1", port)
        for job in queue:
            await job(connection)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def client_address(rng, clients):
    """One of `clients` attacker addresses (10.x.y.z), for X-Forwarded-For."""
    i = rng.randrange(clients)
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


async def login_flood(port, concurrency, requests, rng, clients):
    statuses, errors = {}, {}
    throttled = {"first_429_at": None}
    # Every 429 for the clinician's account: (sent at, answered at, Retry-After seconds).
    delays = []
    correct = []
    json_headers = (("content-type", "application/json"),)

    def note(kind, email, status, error, sent, done, headers):
        count(statuses, kind, status)
        if error:
            errors[error] = errors.get(error, 0) + 1
        if email == EMAIL and status == 429:
            if throttled["first_429_at"] is None or done < throttled["first_429_at"]:
                throttled["first_429_at"] = done
            try:
                delays.append((sent, done, int(headers.get("retry-after", "0"))))
            except ValueError:
                pass

    def job(kind, email, password, forwarded):
        body = json.dumps({"email": email, "password": password}).encode()
        headers = json_headers + ((("x-forwarded-for", forwarded),) if forwarded else ())

        async def run(connection):
            sent = time.monotonic()
            status, error, response = await send(connection, "POST", "/api/v1/session", headers,
                                                 body)
            note(kind, email, status, error, sent, time.monotonic(), response)
        return run

    jobs = []
    for i in range(requests):
        forwarded = client_address(rng, clients) if clients > 1 else None
        if i % 2 == 0:
            jobs.append(job("wrong password", EMAIL, f"wrong-{rng.getrandbits(64):016x}",
                            forwarded))
        else:
            jobs.append(job("unknown e-mail", f"u{rng.getrandbits(64):016x}@flood.example",
                            f"guess-{rng.getrandbits(64):016x}", forwarded))

    done = asyncio.Event()

    async def correct_ticker():
        pending = set()
        body = json.dumps({"email": EMAIL, "password": PASSWORD}).encode()
        # The account's owner, from an address of their own when the attackers are many.
        headers = json_headers + ((("x-forwarded-for", "192.0.2.10"),) if clients > 1 else ())

        async def attempt():
            connection = Connection("127.0.0.1", port)
            sent = time.monotonic()
            status, error, response = await send(connection, "POST", "/api/v1/session", headers,
                                                 body)
            finished = time.monotonic()
            connection.close()
            note("correct password", EMAIL, status, error, sent, finished, response)
            correct.append((sent, finished, status))

        while not done.is_set():
            task = asyncio.create_task(attempt())
            pending.add(task)
            task.add_done_callback(pending.discard)
            try:
                await asyncio.wait_for(done.wait(), CORRECT_EVERY)
            except (TimeoutError, asyncio.TimeoutError):
                pass
        if pending:
            await asyncio.wait(pending)

    ticker = asyncio.create_task(correct_ticker())
    await run_workers(port, concurrency, jobs)
    done.set()
    await ticker
    first = throttled["first_429_at"]
    after_429_sent = [c for c in correct if c[2] == 200 and first is not None and c[0] > first]
    after_429_done = [c for c in correct if c[2] == 200 and first is not None and c[1] > first]
    # A success certainly inside a delay the server had announced: a 429 sent at p and answered
    # at d was decided between them, with a delay ending after p + Retry-After - 1 (Retry-After
    # is rounded up to whole seconds); a success sent after d (so decided after the 429) and
    # answered before p + Retry-After - 1 was admitted inside that delay. (Under load a 429 waits
    # for its audit record, so d alone would not do.)
    inside_delay = [c for c in correct if c[2] == 200 and any(
        d < c[0] and c[1] < p + retry - 1 for p, d, retry in delays)]
    return {
        "statuses": statuses,
        "errors": errors,
        "correct_attempts": len(correct),
        "correct_200": sum(1 for c in correct if c[2] == 200),
        "account_first_429_s": None,  # filled in relative to the flood start by the caller
        "first_429_at": first,
        # correct-password successes sent inside a delay a 429 had announced (should be 0)
        "throttled_account_successes": len(inside_delay),
        # correct-password attempts sent after the account's first 429, answered 200 (with
        # increasing delays rather than a lock, these are expected once a delay has run out)
        "successes_sent_after_first_429": len(after_429_sent),
        # looser: answered 200 after the first 429 (sent before or after it)
        "successes_completed_after_first_429": len(after_429_done),
    }


def pdf_bytes(index, kib):
    head = f"%PDF-1.4\n% discpath flood {index}\n1 0 obj\n<<>>\nendobj\n".encode()
    tail = b"\ntrailer\n<<>>\n%%EOF\n"
    padding = b"%" + b"x" * 78 + b"\n"
    size = kib * 1024 - len(head) - len(tail)
    return head + (padding * (size // len(padding) + 1))[:size] + tail


async def form_flood(port, concurrency, requests, clinic_id, pdf_kib, rng, clients):
    statuses, errors = {}, {}
    addresses = [client_address(rng, clients) if clients > 1 else None for _ in range(requests)]

    def forwarded(i):
        return (("x-forwarded-for", addresses[i]),) if addresses[i] else ()
    path = f"/api/v1/clinics/{clinic_id}/consultation-requests"
    boundary = "----discpathflood7d3c1b"
    headers = (("content-type", f"multipart/form-data; boundary={boundary}"),)

    def field(name, value):
        return (f"--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()

    def job(i):
        async def run(connection):
            body = b"".join([
                field("name", f"Flood Patient {i}"),
                field("email", f"patient{i}@flood.example"),
                field("message", "L5 herniation, MRI attached"),
                (f"--{boundary}\r\ncontent-disposition: form-data; name=\"mri_report\"; "
                 f"filename=\"mri-{i}.pdf\"\r\ncontent-type: application/pdf\r\n\r\n").encode(),
                pdf_bytes(i, pdf_kib),
                f"\r\n--{boundary}--\r\n".encode(),
            ])
            status, error, _ = await send(connection, "POST", path, headers + forwarded(i), body)
            count(statuses, "form post", status)
            if error:
                errors[error] = errors.get(error, 0) + 1
        return run

    await run_workers(port, concurrency, [job(i) for i in range(requests)])
    return {"statuses": statuses, "errors": errors}


# --- set-up, measurement, report ------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, cookie=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if cookie:
        request.add_header("cookie", cookie)
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read() or b"null"), response.headers


def create_user(binary, database, email, role):
    subprocess.run(
        [binary, "admin", "create-user", "--database", database, "--clinic", "Flood clinic",
         "--email", email, "--name", f"Flood {role}", "--role", role, "--password-stdin"],
        input=PASSWORD, text=True, check=True, capture_output=True)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def reset_hwm(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def database_bytes(database, workdir, postgres_admin, name):
    if database.startswith("sqlite://"):
        return sum(os.path.getsize(os.path.join(workdir, f)) for f in os.listdir(workdir)
                   if f.startswith("flood.sqlite3"))
    out = subprocess.run(["psql", postgres_admin, "-Atc", f"select pg_database_size('{name}')"],
                         capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


class Server:
    """`discpath serve` on one database; started again if it died (before the next flood)."""

    def __init__(self, args, database, workdir):
        self.args, self.database = args, database
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "w")
        self.process = None
        self.starts = 0

    def ensure_running(self):
        if self.process is not None and self.process.poll() is None:
            return
        if self.process is not None:
            print(f"note: the server had exited with {self.process.returncode}; starting it again",
                  file=sys.stderr)
        command = [self.args.binary, "serve", "--listen", f"127.0.0.1:{self.port}",
                   "--database", self.database, "--insecure-cookies"]
        if self.args.clients > 1:
            # Many attackers, as the server sees them behind a proxy on loopback.
            config = os.path.join(os.path.dirname(self.log_path), "flood.toml")
            with open(config, "w") as out:
                out.write('trusted_proxies = ["127.0.0.1"]\n')
            command += ["--config", config]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        self.starts += 1
        for _ in range(300):
            try:
                call(self.base, "GET", "/readyz")
                return
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"the server exited with {self.process.returncode}; "
                             f"see {self.log_path}")
                time.sleep(0.1)
        sys.exit(f"the server did not answer /readyz within 30 s; see {self.log_path}")

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print("warning: the server did not stop within 30 s of SIGTERM; killed",
                      file=sys.stderr)
                self.process.kill()
                self.process.wait()
        self.log.close()
        if self.args.keep_log:
            os.replace(self.log_path, self.args.keep_log)


def measure(label, server, flood, args, db_size):
    server.ensure_running()
    time.sleep(args.settle)
    idle = read_status_kib(server.pid)
    hwm_reset = reset_hwm(server.pid)
    with Probe(server.port, server.pid, args.rss_limit_mib * 1024) as probe:
        time.sleep(0.5)
        start = time.monotonic()
        result = asyncio.run(flood())
        end = time.monotonic()
        sampled = probe.finish()
    exited = server.process.poll()
    if exited is None:
        time.sleep(args.settle)
        exited = server.process.poll()
    after = read_status_kib(server.pid) if exited is None else {}
    during = [(t, latency, status, error) for t, latency, status, error in sampled["readyz"]
              if start <= t <= end]
    latencies = [latency * 1000 for _, latency, status, _ in during if status == 200]
    readyz_statuses = {}
    for _, _, status, _ in during:
        readyz_statuses[str(status)] = readyz_statuses.get(str(status), 0) + 1
    rss = [figures for t, figures in sampled["rss"] if start <= t <= end] or \
        [figures for _, figures in sampled["rss"]]
    result.update({
        "flood": label,
        "seconds": end - start,
        "readyz": {
            "probes": len(during), "statuses": readyz_statuses, "missed_ticks": sampled["missed"],
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies) if latencies else None,
            "mean_ms": statistics.fmean(latencies) if latencies else None,
        },
        "rss_idle_mib": idle.get("VmRSS", 0) / 1024,
        "rss_peak_sampled_mib": max([f.get("VmRSS", 0) for f in rss] + [0]) / 1024,
        "hwm_mib": max([f.get("VmHWM", 0) for f in rss] + [after.get("VmHWM", 0)]) / 1024,
        "hwm_reset_before_flood": hwm_reset,
        "rss_after_mib": after["VmRSS"] / 1024 if "VmRSS" in after else None,
        # None while the server runs; a negative number is the signal that ended it (-9: SIGKILL,
        # from the --rss-limit-mib guard or the kernel's OOM killer)
        "server_exit": exited,
        "killed_at_rss_mib": (sampled["killed_at_rss_kib"] / 1024
                              if sampled["killed_at_rss_kib"] else None),
        "database_bytes_after": db_size(),
    })
    # the peak: the largest VmRSS sampled, or VmHWM (the kernel's own peak) when it could be reset
    # before the flood
    result["rss_peak_mib"] = max(result["rss_peak_sampled_mib"],
                                 result["hwm_mib"] if hwm_reset else 0)
    if result.get("first_429_at") is not None:
        result["account_first_429_s"] = result["first_429_at"] - start
    result.pop("first_429_at", None)
    return result


def run(args, database, workdir, postgres_admin=None, pg_name=None):
    create_user(args.binary, database, ADMIN_EMAIL, "admin")
    create_user(args.binary, database, EMAIL, "clinician")
    server = Server(args, database, workdir)
    try:
        server.ensure_running()
        _, headers = call(server.base, "POST", "/api/v1/session",
                          {"email": ADMIN_EMAIL, "password": PASSWORD})
        cookie = headers["set-cookie"].split(";")[0]
        me, _ = call(server.base, "GET", "/api/v1/session", cookie=cookie)
        clinic_id = me["user"]["clinic_id"]
        rng = random.Random(args.seed)
        port = server.port

        def db_size():
            return database_bytes(database, workdir, postgres_admin, pg_name)

        return [
            measure("logins", server,
                    lambda: login_flood(port, args.concurrency, args.requests, rng, args.clients),
                    args, db_size),
            measure("public form", server,
                    lambda: form_flood(port, args.concurrency, args.requests, clinic_id,
                                       args.pdf_kib, rng, args.clients), args, db_size),
        ]
    finally:
        server.stop()


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


def table(results, args):
    lines = [
        f"binary `{args.binary}`, database {args.database}, {os.cpu_count()} CPUs",
        "",
        "| flood | requests | concurrency | seconds | status counts | readyz p50 / p99 / max ms "
        "| RSS idle / peak / after MiB | throttled-account successes |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        statuses = "; ".join(
            f"{kind}: " + ", ".join(f"{code}×{n}" for code, n in sorted(codes.items()))
            for kind, codes in r["statuses"].items())
        readyz = r["readyz"]
        extra = ""
        if readyz["statuses"].keys() - {"200"} or readyz["missed_ticks"]:
            answers = ", ".join(f"{code}×{n}" for code, n in sorted(readyz["statuses"].items()))
            extra = (f" (of {readyz['probes']} probes: {answers}; {readyz['missed_ticks']} ticks "
                     f"skipped with {READYZ_MAX_IN_FLIGHT} in flight)")
        throttled = "–"
        if "throttled_account_successes" in r:
            throttled = (f"{r['throttled_account_successes']} (200s for the right password: "
                         f"{r['correct_200']} of {r['correct_attempts']})")
        peak = f"{r['rss_peak_mib']:.0f}"
        if r.get("killed_at_rss_mib"):
            peak = f"> {args.rss_limit_mib} (killed at {r['killed_at_rss_mib']:.0f})"
        after = fmt(r.get("rss_after_mib"), 0)
        if r.get("server_exit") is not None:
            after = f"server exited ({r['server_exit']})"
        lines.append(
            f"| {r['flood']} | {args.requests} | {args.concurrency} | {r['seconds']:.1f} "
            f"| {statuses} | {fmt(readyz['p50_ms'])} / {fmt(readyz['p99_ms'])} / "
            f"{fmt(readyz['max_ms'])}{extra} | {r['rss_idle_mib']:.0f} / {peak} / {after} "
            f"| {throttled} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "/var/tmp/discpath-target"), "release", "discpath"))
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--requests", type=int, default=5000, help="requests per flood")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--pdf-kib", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1,
                        help="attacker addresses: with more than 1, the server trusts loopback as "
                             "a proxy and each request names a random one in X-Forwarded-For")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds of quiet before and after each flood")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rss-limit-mib", type=int, default=8192,
                        help="SIGKILL the server if its VmRSS passes this (0: no limit); the next "
                             "flood starts it again")
    parser.add_argument("--dir", help="where the SQLite file goes (default: the system's temp dir)")
    parser.add_argument("--keep-log", metavar="FILE", help="keep the server's log here")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no binary at {args.binary}: cargo build --release, or --binary PATH")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 3 * args.concurrency:
        print(f"warning: open-file limit {hard} is low for {args.concurrency} connections",
              file=sys.stderr)

    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        if args.database == "sqlite":
            results = run(args, f"sqlite://{workdir}/flood.sqlite3", workdir)
        else:
            name = f"discpath_flood_{os.getpid()}"
            admin = f"{args.postgres}/postgres"
            subprocess.run(["psql", admin, "-qc", f"create database {name}"], check=True)
            try:
                results = run(args, f"{args.postgres}/{name}", workdir, admin, name)
            finally:
                subprocess.run(["psql", admin, "-qc", f"drop database {name} with (force)"],
                               check=True)

    report = {
        "binary": args.binary, "database": args.database, "concurrency": args.concurrency,
        "requests": args.requests, "pdf_kib": args.pdf_kib, "cpus": os.cpu_count(),
        "floods": results,
    }
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    print(table(results, args))


if __name__ == "__main__":
    main()
