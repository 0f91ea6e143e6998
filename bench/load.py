#!/usr/bin/env python3
"""Load benchmark of `discpath serve` on SQLite and PostgreSQL (issue #3).

For each database: a new SQLite file or a new PostgreSQL database; a clinician created with
`discpath admin create-user`; the server started from the release binary; an API token, a patient
and an episode made through the API. Then, with `oha` as the load generator:

  * POST /api/v1/episodes/{id}/assessments (evaluate, store, audit) and GET /api/v1/patients/{id}
    (read, audit), each at a fixed rate (default 500 requests/s) and at full speed;
  * the server's resident memory (VmRSS) when idle after start-up and its peak under load.

Usage: python3 bench/load.py [--rate 500] [--seconds 30] [--repeat 3] [--skip-postgres]
Needs: the release binary (cargo build --release), oha (cargo install oha), PostgreSQL on
127.0.0.1:5432 unless --skip-postgres. Prints a Markdown table; --json FILE writes the raw figures.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENT = os.path.join(ROOT, "examples", "herniation-sequence.json")
EMAIL = "bench@clinic.example"
PASSWORD = "bench-password-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, token=None, cookie=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    if cookie:
        request.add_header("cookie", cookie)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null"), response.headers


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class PeakRss(threading.Thread):
    """Samples a process's resident memory every 50 ms and keeps the largest."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


def oha(url, token, seconds, rate, method="GET", body_file=None, connections=50):
    command = [
        "oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", str(connections),
        "-w", "-m", method, "-H", f"authorization: Bearer {token}",
    ]
    if rate:
        command += ["-q", str(rate), "--latency-correction"]
    if body_file:
        command += ["-H", "content-type: application/json", "-D", body_file]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    summary, latency = report["summary"], report["latencyPercentiles"]
    statuses = report.get("statusCodeDistribution", {})
    return {
        "requests_per_s": summary["requestsPerSec"],
        "p50_ms": latency["p50"] * 1000,
        "p99_ms": latency["p99"] * 1000,
        "statuses": statuses,
        "errors": report.get("errorDistribution", {}),
    }


def measure(name, database, binary, args, workdir):
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    subprocess.run(
        [binary, "admin", "create-user", "--database", database, "--clinic", "Bench clinic",
         "--email", EMAIL, "--name", "Bench", "--role", "clinician", "--password-stdin"],
        input=PASSWORD, text=True, check=True, capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [binary, "serve", "--database", database, "--listen", f"127.0.0.1:{port}"],
        stdout=log, stderr=log,
    )
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/readyz")
                break
            except OSError:
                time.sleep(0.1)
        _, headers = call(base, "POST", "/api/v1/session", {"email": EMAIL, "password": PASSWORD})
        cookie = headers["set-cookie"].split(";")[0]
        token = call(base, "POST", "/api/v1/tokens", {"name": "bench"}, cookie=cookie)[0]["token"]
        patient = call(base, "POST", "/api/v1/patients", {
            "name": "Bench Patient", "birth_date": "1975-05-05", "sex": "female", "mrn": "B-1",
        }, token=token)[0]
        episode = call(base, "POST", f"/api/v1/patients/{patient['patient_id']}/episodes",
                       {"title": "Low back pain"}, token=token)[0]
        time.sleep(2)
        result = {"idle_rss_mib": rss_kib(server.pid) / 1024}
        targets = {
            "POST assessment": (f"{base}/api/v1/episodes/{episode['episode_id']}/assessments",
                                "POST", DOCUMENT),
            "GET patient": (f"{base}/api/v1/patients/{patient['patient_id']}", "GET", None),
        }
        for label, (url, method, body) in targets.items():
            for mode, rate in (("fixed", args.rate), ("max", None)):
                runs = []
                for _ in range(args.repeat):
                    sampler = PeakRss(server.pid)
                    sampler.start()
                    figures = oha(url, token, args.seconds, rate, method, body)
                    figures["peak_rss_mib"] = sampler.stop() / 1024
                    print(f"{name} {label} {mode}: {figures}", file=sys.stderr)
                    runs.append(figures)
                result[f"{label} {mode}"] = runs
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "/var/tmp/discpath-target"), "release", "discpath"))
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each measurement; the table shows the median run by p99")
    parser.add_argument("--dir", help="where the SQLite file goes (default: the system's temp dir)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if not shutil.which("oha"):
        sys.exit("oha not found: cargo install oha")

    results = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        results["SQLite"] = measure("sqlite", f"sqlite://{workdir}/bench.sqlite3",
                                    args.binary, args, workdir)
        if not args.skip_postgres:
            database = f"discpath_bench_{os.getpid()}"
            admin = f"{args.postgres}/postgres"
            subprocess.run(["psql", admin, "-qc", f"create database {database}"], check=True)
            try:
                results["PostgreSQL"] = measure("postgres", f"{args.postgres}/{database}",
                                                args.binary, args, workdir)
            finally:
                subprocess.run(["psql", admin, "-qc", f"drop database {database}"], check=True)

    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)
    print("| database | request | load | requests/s | p50 ms | p99 ms (median run) | "
          "p99 ms (all runs) | non-2xx | peak RSS MiB |")
    print("|---|---|---|---:|---:|---:|---|---:|---:|")
    for database, result in results.items():
        for key, runs in result.items():
            if key == "idle_rss_mib":
                continue
            label, mode = key.rsplit(" ", 1)
            load = f"{args.rate}/s" if mode == "fixed" else "max (50 conn.)"
            median = sorted(runs, key=lambda run: run["p99_ms"])[len(runs) // 2]
            every = ", ".join(f"{run['p99_ms']:.1f}" for run in runs)
            bad = sum(n for run in runs for code, n in run["statuses"].items()
                      if not code.startswith("2"))
            bad += sum(n for run in runs for n in run["errors"].values())
            peak = max(run["peak_rss_mib"] for run in runs)
            print(f"| {database} | {label} | {load} | {median['requests_per_s']:.0f} | "
                  f"{median['p50_ms']:.2f} | {median['p99_ms']:.2f} | {every} | {bad} | "
                  f"{peak:.1f} |")
    for database, result in results.items():
        print(f"\nIdle RSS on {database}: {result['idle_rss_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
