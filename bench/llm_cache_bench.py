#!/usr/bin/env python3
"""How many LLM calls lia's answer cache saves on a realistic message stream.

The original system claimed 40-60% fewer calls from its cache. This measures
what lia saves: a stream built from the dev corpus goes through the real
binary, `lia analyze --engine openai:standin-model --jsonl`, against
llm_standin (an OpenAI Chat Completions stand-in that answers with the rules
engine and counts the requests it gets), one `lia analyze` process per phase
on one SQLite file, as a stream that arrives over days would.

The stream (every rate is a flag; the defaults are what a job seeker who
imports their LinkedIn inbox and keeps lia running sees over a few weeks):
  1. first import: every corpus message once, plus --dup-rate of them
     delivered a second time at a random later point of the same import
     (a webhook retried, the same message pasted and imported);
  2. re-import: a later export holds every conversation again
     (--reimport-rate of them), --variant-rate of those with cosmetic
     differences (CRLF line ends, trailing blanks) an export tool adds;
  3. threads continue: --follow-up-rate of the new-opportunity
     conversations get a recruiter follow-up in the same thread (a bump, a
     salary or availability question, a call slot, a CV request), and
     --close-rate of those a courtesy close after the candidate's answer;
  4. replay: the whole stream analysed again (a rebuild, a reprocess of
     everything); it must make no call at all.

Counted per phase:
  naive     4 calls per message: every stage asks the model (what a
            "4 stages per message" estimate assumes);
  needed    the calls a cache-less lia would make: one per stage its output
            says the model answered (lia already leaves certain courtesy
            closes, extraction from a close, and messages needing no reply
            to the rules, and asks follow-up only of follow-ups);
  made      the requests llm_standin received.

Usage (from the repository root, after building lia and llm_standin):
  python3 bench/llm_cache_bench.py [--build build] [--json out.json]
Exit status 1 when the replay made calls or a message was not analysed.
"""
import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENGINE = "openai:standin-model"
API_KEY = "sk-standin-bench"
LLM_STAGES = ("classify", "follow_up", "extract", "draft")

# Recruiter follow-ups by language: (kind, text with {name}).
FOLLOW_UPS = {
    "en": [
        ("bump", "Hi {name}, just following up on my message below. Would "
                 "you be open to a quick chat this week?"),
        ("salary", "Hi {name}, thanks for getting back to me! What are your "
                   "salary expectations for this role?"),
        ("scheduling", "Hi {name}, great! Would Thursday at 3pm work for a "
                       "30-minute call with the hiring manager?"),
        ("availability", "Hi {name}, when could you start if it all goes "
                         "well? Do you have a notice period?"),
        ("cv", "Hi {name}, could you send me an updated CV so I can share it "
               "with the team?"),
    ],
    "es": [
        ("bump", "Hola {name}, te escribo de nuevo por la propuesta de abajo. "
                 "¿Te interesa que lo charlemos?"),
        ("salary", "Hola {name}, ¡gracias por responder! ¿Cuál es tu "
                   "pretensión salarial para este puesto?"),
        ("scheduling", "Hola {name}, ¿te viene bien el jueves a las 15h para "
                       "una llamada con el equipo?"),
        ("availability", "Hola {name}, ¿cuándo podrías empezar? ¿Tienes "
                         "período de preaviso?"),
        ("cv", "Hola {name}, ¿me podrías enviar tu CV actualizado para "
               "compartirlo con el equipo?"),
    ],
    "pt": [
        ("bump", "Olá {name}, passando para saber se você viu minha "
                 "mensagem. Topa conversar?"),
        ("salary", "Olá {name}, obrigado pelo retorno! Qual a sua pretensão "
                   "salarial para essa vaga?"),
        ("scheduling", "Olá {name}, podemos marcar uma conversa na "
                       "quinta-feira às 15h?"),
        ("availability", "Olá {name}, qual seria a sua disponibilidade para "
                         "começar?"),
        ("cv", "Olá {name}, você poderia me enviar seu currículo "
               "atualizado?"),
    ],
}
CANDIDATE_REPLY = {
    "en": "Thanks {recruiter}, it sounds interesting. Happy to hear more.",
    "es": "Gracias {recruiter}, me interesa. Cuéntame más.",
    "pt": "Obrigado {recruiter}, parece interessante. Me conta mais.",
}
CANDIDATE_ANSWER = {
    "en": "Sure, that works for me.",
    "es": "Dale, me viene bien.",
    "pt": "Combinado, funciona para mim.",
}
CLOSES = {
    "en": "Perfect, thanks {name}! Talk soon.",
    "es": "¡Perfecto, gracias {name}! Quedamos así.",
    "pt": "Perfeito, obrigado {name}! Combinado, até logo.",
}
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hola|buenas|buen día|olá|ola|oi)[\s,]+"
    r"([A-ZÁÉÍÓÚÑ][a-záéíóúñãõç]+)", re.IGNORECASE)


def language(case):
    return {"mx": "es"}.get(case.get("lang"), case.get("lang", "en"))


def candidate_name(case):
    m = GREETING.match(case["message"])
    return m.group(1) if m else None


def first_name(sender):
    return (sender or "").split(" ")[0] or "there"


def message(case, **changes):
    m = {k: case.get(k) for k in ("id", "sender", "thread", "message")}
    m["thread"] = list(m["thread"] or [])
    m.update(changes)
    return m


def cosmetic_variant(text):
    return "\r\n".join(line + "  " for line in text.split("\n"))


def build_stream(cases, a, rng):
    """Phases as lists of messages ({"id","sender","thread","message"})."""
    first = [message(c) for c in cases]
    dups = rng.sample(cases, round(a.dup_rate * len(cases)))
    for c in dups:  # Somewhere after the original, in the same import.
        at = rng.randrange(first.index(next(m for m in first
                                            if m["id"] == c["id"])) + 1,
                           len(first) + 1)
        first.insert(at, message(c, id=c["id"] + "#dup"))

    reimport = []
    for c in rng.sample(cases, round(a.reimport_rate * len(cases))):
        text = c["message"]
        if rng.random() < a.variant_rate:
            text = cosmetic_variant(text)
        reimport.append(message(c, id=c["id"] + "#reimport", message=text))
    rng.shuffle(reimport)

    threads = []
    new = [c for c in cases
           if c["expected"]["conversation_state"] == "NEW_OPPORTUNITY"]
    for c in rng.sample(new, round(a.follow_up_rate * len(new))):
        lang = language(c)
        name = candidate_name(c)
        greet = (lambda t: t.format(name=name)) if name else (
            lambda t: re.sub(r" \{name\}", "", t))
        kind, text = rng.choice(FOLLOW_UPS[lang])
        thread = list(c["thread"] or []) + [
            {"from": "recruiter", "text": c["message"]},
            {"from": "candidate",
             "text": CANDIDATE_REPLY[lang].format(
                 recruiter=first_name(c.get("sender")))},
        ]
        follow = greet(text)
        threads.append(message(c, id=f"{c['id']}#follow-up-{kind}",
                               thread=thread, message=follow))
        if rng.random() < a.close_rate:
            closed = thread + [
                {"from": "recruiter", "text": follow},
                {"from": "candidate", "text": CANDIDATE_ANSWER[lang]},
            ]
            threads.append(message(c, id=f"{c['id']}#close", thread=closed,
                                   message=greet(CLOSES[lang])))
    return [("first import", first), ("re-import", reimport),
            ("threads continue", threads)]


def stats(url):
    with urllib.request.urlopen(url + "/stats", timeout=10) as r:
        return json.load(r)


def analyze(lia, cwd, env, lines):
    payload = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines)
    t0 = time.perf_counter()
    p = subprocess.run([lia, "analyze", "--jsonl", "--engine", ENGINE],
                       input=payload.encode(), capture_output=True, cwd=cwd,
                       env=env, timeout=600)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace")[-4000:])
        sys.exit(f"lia analyze exited {p.returncode}")
    out = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    return out, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding lia and tests/llm_standin")
    ap.add_argument("--lia")
    ap.add_argument("--standin")
    ap.add_argument("--corpus", default=os.path.join(
        ROOT, "..", "shared", "corpus", "dev.jsonl"))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dup-rate", type=float, default=0.15)
    ap.add_argument("--reimport-rate", type=float, default=1.0)
    ap.add_argument("--variant-rate", type=float, default=0.33)
    ap.add_argument("--follow-up-rate", type=float, default=0.6)
    ap.add_argument("--close-rate", type=float, default=0.5)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    lia = os.path.abspath(a.lia or os.path.join(a.build, "lia"))
    standin = os.path.abspath(
        a.standin or os.path.join(a.build, "tests", "llm_standin"))
    for path in (lia, standin, a.corpus):
        if not os.path.exists(path):
            sys.exit(f"missing {path} (build the lia and llm_standin targets)")

    cases = [json.loads(l) for l in open(a.corpus, encoding="utf-8")
             if l.strip()]
    phases = build_stream(cases, a, random.Random(a.seed))

    with tempfile.TemporaryDirectory(prefix="lia_llm_cache_bench_") as tmp:
        server = subprocess.Popen([standin, "--api-key", API_KEY],
                                  stdout=subprocess.PIPE, text=True)
        try:
            first_line = server.stdout.readline()
            m = re.search(r"(http://127\.0\.0\.1:\d+)/v1", first_line)
            if not m:
                sys.exit(f"llm_standin did not start: {first_line!r}")
            base = m.group(1)
            db = os.path.join(tmp, "lia.db")
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("LIA_", "OPENAI_", "ANTHROPIC_",
                                        "OLLAMA_"))}
            env.update(OPENAI_BASE_URL=base + "/v1", OPENAI_API_KEY=API_KEY,
                       LIA_DATABASE_URL="sqlite://" + db)

            rows, failed = [], 0
            stream = [m for _, lines in phases for m in lines]
            for name, lines in phases + [("replay (all again)", stream)]:
                before = stats(base)["requests"]
                out, seconds = analyze(lia, tmp, env, lines)
                made = stats(base)["requests"] - before
                failed += sum(1 for o in out if "error" in o)
                failed += len(lines) - len(out)
                needed = sum(1 for o in out for s in LLM_STAGES
                             if o.get("engines", {}).get(s) == ENGINE)
                fell_back = sum(1 for o in out for s in LLM_STAGES
                                if "fallback" in o.get("engines", {}).get(
                                    s, ""))
                rows.append({"phase": name, "messages": len(lines),
                             "naive": 4 * len(lines), "needed": needed,
                             "made": made, "fallbacks": fell_back,
                             "seconds": round(seconds, 3)})
            stored = sqlite3.connect(db).execute(
                "SELECT COUNT(*) FROM llm_answers").fetchone()[0]
            by_stage = stats(base)["by_stage"]
        finally:
            server.terminate()
            server.wait(timeout=10)

    stream_rows = rows[:-1]
    total = {k: sum(r[k] for r in stream_rows)
             for k in ("messages", "naive", "needed", "made")}
    replay = rows[-1]

    def pct(saved, of):
        return 100.0 * saved / of if of else 0.0

    print(f"stream: {total['messages']} messages from {len(cases)} corpus "
          f"cases (seed {a.seed}: dup {a.dup_rate}, re-import "
          f"{a.reimport_rate} with variants {a.variant_rate}, follow-ups "
          f"{a.follow_up_rate}, closes {a.close_rate})")
    print(f"{'phase':<20}{'messages':>9}{'naive':>7}{'needed':>8}"
          f"{'made':>6}{'saved vs needed':>17}{'seconds':>9}")
    for r in rows:
        print(f"{r['phase']:<20}{r['messages']:>9}{r['naive']:>7}"
              f"{r['needed']:>8}{r['made']:>6}"
              f"{pct(r['needed'] - r['made'], r['needed']):>16.1f}%"
              f"{r['seconds']:>9.2f}")
    print(f"{'stream total':<20}{total['messages']:>9}{total['naive']:>7}"
          f"{total['needed']:>8}{total['made']:>6}"
          f"{pct(total['needed'] - total['made'], total['needed']):>16.1f}%")
    print(f"calls by stage: {json.dumps(by_stage, sort_keys=True)}; "
          f"answers stored: {stored}; calls beyond the answers stored "
          f"(identical requests in flight at once): "
          f"{total['made'] - stored}")
    print(f"answer cache: {pct(total['needed'] - total['made'], total['needed']):.1f}% "
          f"fewer calls than a cache-less lia on the stream "
          f"({total['made']} made of {total['needed']} needed)")
    print(f"cache + rules skips: "
          f"{pct(total['naive'] - total['made'], total['naive']):.1f}% fewer "
          f"than 4 calls per message ({total['made']} of {total['naive']})")
    print(f"replay of all {replay['messages']} messages: {replay['made']} "
          f"calls")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"phases": rows, "stream": total, "stored": stored,
                       "by_stage": by_stage}, f, indent=2)
    if replay["made"] != 0 or failed:
        sys.exit(f"FAIL: replay made {replay['made']} calls; "
                 f"{failed} messages not analysed")


if __name__ == "__main__":
    main()
