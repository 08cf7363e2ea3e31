"""Benchmark the client portal against Odoo's own pages, measured in the same run.

    make bench            (builds/updates the serene_bench demo database first)

Starts Odoo (one process, no workers) on the demo database, then times sequential GETs of
the portal pages and of Odoo's own pages, and prints each page's latency and its ratio to
Odoo's /web/login and website home page, plus the server's memory growth over the run.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent


def get(url):
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def measure(url, rounds):
    for _ in range(5):
        get(url)  # warm caches (assets, templates, routing)
    times, statuses = [], set()
    for _ in range(rounds):
        status, ms = get(url)
        statuses.add(status)
        times.append(ms)
    times.sort()
    return statuses, statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="serene_bench")
    parser.add_argument("--port", type=int, default=8179)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--addons-path", required=True)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO / "scripts"))
    from screenshots import demo_records  # reads the demo's ids and mints a link

    _ids, key = demo_records(args.db, args.addons_path)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            f"--addons-path={args.addons_path}",
            "-d",
            args.db,
            f"--db-filter=^{args.db}$",
            f"--http-port={args.port}",
            "--http-interface=127.0.0.1",
            "--log-level=warn",
            "--workers=0",
            "--max-cron-threads=0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if get(f"{base}/web/login")[0] == 200:
                    break
            except OSError:
                time.sleep(1)
        process = psutil.Process(server.pid)
        pages = [
            ("Odoo /web/login", "/web/login"),
            ("Odoo website home /", "/"),
            ("Odoo /contactus", "/contactus"),
            ("Client portal home", f"/portal/{key}"),
            ("Link not valid page", "/portal/link-not-valid"),
        ]
        results = {}
        rss_start = None
        for label, path in pages:
            statuses, median, p95 = measure(base + path, args.rounds)
            if rss_start is None:
                rss_start = process.memory_info().rss
            results[label] = (statuses, median, p95)
        rss_end = process.memory_info().rss
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    login = results["Odoo /web/login"][1]
    home = results["Odoo website home /"][1]
    print(f"\n{args.rounds} sequential requests per page, after 5 warm-up requests, one Odoo process\n")
    print(f"{'page':28} {'status':>8} {'median ms':>10} {'p95 ms':>8} {'vs /web/login':>14} {'vs website /':>13}")
    for label, (statuses, median, p95) in results.items():
        status = ",".join(str(s) for s in sorted(statuses))
        print(f"{label:28} {status:>8} {median:10.1f} {p95:8.1f} {median / login:13.2f}x {median / home:12.2f}x")
    print(
        f"\nserver memory: {rss_start / 2**20:.0f} MiB after the first page, "
        f"{rss_end / 2**20:.0f} MiB at the end ({(rss_end - rss_start) / 2**20:+.1f} MiB)"
    )


if __name__ == "__main__":
    main()
