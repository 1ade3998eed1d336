#!/usr/bin/env python3
"""HTTP benchmark of `lia serve` (make bench):
 1. synchronous batch ingest end to end (POST /api/v1/messages?wait=true with
    1,000 messages a request: store + analyse + store the opportunity);
 2. background ingest: the same batches answered 202 (message and its job
    stored in one transaction), then the time until every opportunity is
    stored by the in-process workers (LIA_WORKERS, default 2);
 3. wrk on GET /api/v1/opportunities?limit=50 over a database of N
    opportunities (keep-alive, 64 connections).

Usage: http_bench.py LIA_BINARY [--opportunities 100000] [--queued 20000]
                     [--seconds 10] [--database-url URL] [--cache-url URL]

--database-url postgresql://... runs the same steps on PostgreSQL (a fresh
schema of its own, ?schema=bench_<pid>); the default is a SQLite file in a
temporary directory. --cache-url as LIA_CACHE_URL (default memory://).
"memory://?max_bytes=0" caches nothing, so the list load reaches the
database on every request.
Prints the figures and the machine it ran on; exits 0 (the figures are
reported, not asserted: the machines are shared and noisy).
"""
import argparse, http.client, json, os, random, shutil, subprocess, sys
import tempfile, time

COMPANIES = ["Acme Robotics", "Nimbus Labs", "Quarry Bank", "Fernhill Health",
             "Tandem Pay", "Brava Systems", "Kestrel Sensors", "Pampa Labs"]
ROLES = ["Senior Go Engineer", "Staff Data Engineer", "Junior Java Developer",
         "Lead DevOps Engineer", "Senior Frontend Engineer", "ML Engineer"]
STACKS = ["Go, Kubernetes and AWS", "Python, Spark and Snowflake",
          "Java, Spring Boot and Kafka", "React, TypeScript and GraphQL",
          "Terraform, GCP and Prometheus"]
POLICIES = ["Fully remote", "Hybrid, 2 days a week in the office",
            "On-site in Chicago"]


def message(i, rng):
    low = rng.randrange(80, 200) * 1000
    return {
        "sender": f"Recruiter {i % 997}",
        "source_id": f"bench-{i}",
        "text": (f"Hi Ana, {rng.choice(COMPANIES)} is hiring a "
                 f"{rng.choice(ROLES)} ({rng.choice(STACKS)}). "
                 f"{rng.choice(POLICIES)}, ${low // 1000}k-${low // 1000 + 30}k. "
                 f"Interested? Ref {i}"),
    }


def machine():
    cpu = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lia")
    ap.add_argument("--opportunities", type=int, default=100000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--queued", type=int, default=20000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--cache-url", default="memory://")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="lia-http-bench-")
    database = a.database_url or f"sqlite://{work}/lia.db"
    if database.startswith(("postgresql://", "postgres://")):
        database += ("&" if "?" in database else "?") + f"schema=bench_{os.getpid()}"
    kind = database.split(":", 1)[0]
    env = dict(os.environ, LIA_DATABASE_URL=database, LIA_CACHE_URL=a.cache_url,
               LIA_LISTEN="127.0.0.1:0", LIA_PROFILE=f"{work}/profile.yaml")
    env.pop("LIA_CONFIG", None)
    # The access log goes to a file, as it would in production.
    log = open(f"{work}/lia.log", "w")
    server = subprocess.Popen([a.lia, "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=log, text=True)
    try:
        line = server.stdout.readline()
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        rng = random.Random(7)
        batch = 1000
        start = time.perf_counter()
        for first in range(0, a.opportunities, batch):
            body = json.dumps({"messages": [message(i, rng) for i in
                                            range(first, min(a.opportunities,
                                                             first + batch))]})
            conn.request("POST", "/api/v1/messages?wait=true", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201):
                sys.exit(f"ingest failed: {r.status}")
        ingest = time.perf_counter() - start

        def stored():
            conn.request("GET", "/api/v1/opportunities/stats")
            r = conn.getresponse()
            return json.loads(r.read())["total_count"]

        # Background ingest: 202 answers, then workers catch up.
        start = time.perf_counter()
        total = a.opportunities + a.queued
        for first in range(a.opportunities, total, batch):
            body = json.dumps({"messages": [message(i, rng) for i in
                                            range(first, min(total,
                                                             first + batch))]})
            conn.request("POST", "/api/v1/messages", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            if r.status != 202:
                sys.exit(f"queued ingest failed: {r.status}")
        accepted = time.perf_counter() - start
        while stored() < total:
            if time.perf_counter() - start > 600:
                sys.exit("background ingest did not finish in 10 minutes")
            time.sleep(0.05)
        processed = time.perf_counter() - start
        conn.request("GET", "/api/v1/opportunities?limit=50")
        r = conn.getresponse()
        page = r.read()
        print(f"machine: {machine()}")
        note = ""
        if kind != "sqlite" and os.environ.get("LIA_TEST_SERVICES_DIR"):
            note = (" (scripts/with-services: fsync and synchronous_commit "
                    "off, which flatters writes)")
        print(f"database: {kind}{note}; cache: {a.cache_url}")
        print(f"ingest: {a.opportunities} messages in {ingest:.1f}s = "
              f"{a.opportunities / ingest:.0f} messages/s end to end "
              f"(batches of {batch}, ?wait=true; target >= 5000/s)")
        print(f"background ingest: {a.queued} messages accepted (202) in "
              f"{accepted:.1f}s = {a.queued / accepted:.0f} messages/s; all "
              f"stored as opportunities after {processed:.1f}s = "
              f"{a.queued / processed:.0f} messages/s end to end "
              f"({os.environ.get('LIA_WORKERS', '2')} in-process workers)")
        print(f"list page: {len(page)} bytes for 50 opportunities")
        url = f"http://127.0.0.1:{port}/api/v1/opportunities?limit=50"
        if shutil.which("wrk") is None:
            print("wrk not installed: list load skipped")
            return
        out = subprocess.run(["wrk", "-t2", f"-c{a.connections}",
                              f"-d{a.seconds}s", "--latency", url],
                             capture_output=True, text=True).stdout
        print(f"wrk -t2 -c{a.connections} -d{a.seconds}s --latency "
              "GET /api/v1/opportunities?limit=50 "
              "(target >= 10000 req/s, p99 < 10 ms):")
        print(out)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
