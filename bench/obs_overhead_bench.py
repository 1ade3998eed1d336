#!/usr/bin/env python3
"""What observability costs `lia serve` (make bench): the same load with
metrics and tracing off, with metrics on (the default), with metrics and
tracing on (LIA_OTLP_ENDPOINT pointing at a stand-in OTLP/HTTP collector in
this process that reads each batch and discards it), every trace recorded,
and with 10% of traces recorded (LIA_TRACE_SAMPLE_RATIO=0.1).

Load, per configuration, on a fresh database each time:
 1. synchronous ingest: POST /api/v1/messages?wait=true, --batch messages a
    request (store, the pipeline's stages, the opportunity saved);
 2. wrk on GET /api/v1/opportunities?limit=50 (keep-alive, --connections).

The configurations run in turn, --rounds times (interleaved, so drift on a
shared machine hits all of them alike); each one's median round is reported,
then the ratios on/off of the medians, and lia's own CPU time per request
(utime + stime of the lia process over the wrk run, from /proc: steadier
than throughput on a shared machine, and free of the collector's and wrk's
share). Spans the tracer dropped (its queue full) are read from
trace_spans_dropped_total: past what the exporter ships, tracing sheds
spans rather than slow requests down, by design.

Usage: obs_overhead_bench.py LIA_BINARY [--messages 20000] [--batch 100]
                             [--seconds 10] [--rounds 3] [--connections 64]
Exits 0; the figures are reported, not asserted (shared, noisy machines).
"""
import argparse, http.client, http.server, json, os, random, re, shutil
import statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_bench import machine, message  # noqa: E402  (same messages)

CONFIGS = [
    # name, environment
    ("off", {"LIA_METRICS": "off"}),
    ("metrics", {"LIA_METRICS": "on"}),
    ("metrics+tracing", {"LIA_METRICS": "on", "OTLP": "1"}),
    ("metrics+tracing10", {"LIA_METRICS": "on", "OTLP": "1",
                           "LIA_TRACE_SAMPLE_RATIO": "0.1"}),
]


def cpu_seconds(pid):
    """utime + stime of a process so far, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Collector:
    """An OTLP/HTTP endpoint that reads every batch and throws it away."""

    def __init__(self):
        counts = self.counts = {"batches": 0, "bytes": 0}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # As a Go collector's sockets.

            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                counts["batches"] += 1
                counts["bytes"] += len(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


def run_once(lia, env_extra, collector, a):
    work = tempfile.mkdtemp(prefix="lia-obs-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIA_")}
    env.update(LIA_DATABASE_URL=f"sqlite://{work}/lia.db",
               LIA_LISTEN="127.0.0.1:0", LIA_PROFILE=f"{work}/profile.yaml",
               LIA_WORKERS="0", LIA_METRICS=env_extra["LIA_METRICS"])
    if env_extra.get("OTLP"):
        env["LIA_OTLP_ENDPOINT"] = collector.endpoint
    if env_extra.get("LIA_TRACE_SAMPLE_RATIO"):
        env["LIA_TRACE_SAMPLE_RATIO"] = env_extra["LIA_TRACE_SAMPLE_RATIO"]
    log = open(f"{work}/lia.log", "w")
    server = subprocess.Popen([lia, "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=log, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        rng = random.Random(7)
        start = time.perf_counter()
        for first in range(0, a.messages, a.batch):
            body = json.dumps({"messages": [
                message(i, rng)
                for i in range(first, min(a.messages, first + a.batch))]})
            conn.request("POST", "/api/v1/messages?wait=true", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201):
                sys.exit(f"ingest failed: {r.status}")
        ingest = a.messages / (time.perf_counter() - start)
        url = f"http://127.0.0.1:{port}/api/v1/opportunities?limit=50"
        cpu_before = cpu_seconds(server.pid)
        out = subprocess.run(["wrk", "-t2", f"-c{a.connections}",
                              f"-d{a.seconds}s", url],
                             capture_output=True, text=True).stdout
        cpu = cpu_seconds(server.pid) - cpu_before
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        listing = float(m.group(1)) if m else 0.0
        m = re.search(r"(\d+) requests in", out)
        cpu_us = 1e6 * cpu / int(m.group(1)) if m else float("nan")
        dropped = exported = None
        if env_extra["LIA_METRICS"] == "on":
            # A new connection: wrk's 64 took every server thread, and an
            # idle one is closed when others wait for a thread.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            text = r.read().decode()
            dropped = metric(text, "trace_spans_dropped_total")
            exported = metric(text, "trace_spans_exported_total")
        return ingest, listing, cpu_us, dropped, exported
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lia")
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    a = ap.parse_args()
    if shutil.which("wrk") is None:
        print("wrk not installed: obs overhead bench skipped")
        return

    collector = Collector()
    rounds = {name: {"ingest": [], "list": [], "cpu": []}
              for name, _ in CONFIGS}
    spans = None  # (exported, dropped) of the last traced run.
    try:
        for round_ in range(a.rounds):
            for name, env in CONFIGS:
                ingest, listing, cpu_us, dropped, exported = run_once(
                    a.lia, env, collector, a)
                print(f"round {round_ + 1} {name:17s} ingest {ingest:6.0f} "
                      f"msg/s  list {listing:6.0f} req/s, "
                      f"{cpu_us:5.1f} us CPU/req"
                      + (f"  spans exported {exported:.0f} dropped "
                         f"{dropped:.0f}" if env.get("OTLP") else ""),
                      flush=True)
                rounds[name]["ingest"].append(ingest)
                rounds[name]["list"].append(listing)
                rounds[name]["cpu"].append(cpu_us)
                if name == "metrics+tracing":
                    spans = (exported, dropped)
    finally:
        collector.close()

    print(f"machine: {machine()}")
    print(f"load: {a.messages} messages ingested with ?wait=true in batches "
          f"of {a.batch}, then wrk -t2 -c{a.connections} -d{a.seconds}s "
          f"GET /api/v1/opportunities?limit=50; median of {a.rounds} rounds "
          f"(min-max in brackets)")
    median = {name: {k: statistics.median(v) for k, v in r.items()}
              for name, r in rounds.items()}
    for name, _ in CONFIGS:
        r = rounds[name]
        print(f"  {name:17s} ingest {median[name]['ingest']:5.0f} msg/s "
              f"[{min(r['ingest']):.0f}-{max(r['ingest']):.0f}]  "
              f"list {median[name]['list']:6.0f} req/s "
              f"[{min(r['list']):.0f}-{max(r['list']):.0f}]  "
              f"lia CPU {median[name]['cpu']:5.1f} us/req "
              f"[{min(r['cpu']):.1f}-{max(r['cpu']):.1f}]")

    def ratio(on, off, key):
        return (median[on][key] / median[off][key] if median[off][key]
                else float("nan"))

    for label, on, off in (("metrics on / off", "metrics", "off"),
                           ("tracing on / off (metrics on)",
                            "metrics+tracing", "metrics"),
                           ("tracing 10% / off (metrics on)",
                            "metrics+tracing10", "metrics"),
                           ("both on / both off", "metrics+tracing", "off")):
        print(f"  {label:31s} ingest {ratio(on, off, 'ingest'):.3f}   "
              f"list {ratio(on, off, 'list'):.3f}   "
              f"lia CPU/req {ratio(on, off, 'cpu'):.3f}")
    if spans is not None and spans[0] is not None:
        print(f"  the last run tracing all, by its end: {spans[0]:.0f} spans "
              f"exported, {spans[1]:.0f} dropped (queue full); the collector "
              f"received {collector.counts['batches']} batches, "
              f"{collector.counts['bytes'] / 1e6:.0f} MB in all runs")


if __name__ == "__main__":
    main()
