# lia's front door (DESIGN §3): one command each to build, run, test, bench.
#
#   make build      release-ish build in $(BUILD_DIR) (g++), binary $(BUILD_DIR)/lia
#   make run        install-deps, build, exec $(BUILD_DIR)/lia serve
#   make test       everything CI checks (see TEST_PHASES), with timings
#   make bench      Google Benchmark + the memory-growth check
#   make fmt | fmt-check | lint | clean | help
#
# Every directory and knob below is overridable, e.g. a private set of build
# directories beside a shared checkout:
#   make test BUILD_DIR=build-me ASAN_DIR=build-me-asan FUZZ_SECONDS=10

BUILD_DIR      ?= build
ASAN_DIR       ?= build-asan
BUILD_TYPE     ?= RelWithDebInfo
RELEASE_CXX    ?= g++
ASAN_CXX       ?= clang++
# ASan/UBSan build: assertions on (no NDEBUG), -O1 as the sanitizers advise.
ASAN_BUILD_TYPE ?= Debug
ASAN_CXXFLAGS  ?= -g -O1
JOBS           ?= 2
CMAKE_ARGS     ?=
CTEST_ARGS     ?=
CTEST_TIMEOUT  ?= 300

SHARED_DIR     ?= ../shared
CORPUS         ?= $(SHARED_DIR)/corpus/dev.jsonl
MIN_ACCURACY   ?= 95

FUZZ_SECONDS       ?= 60
FUZZ_SMALL_SECONDS ?= 15
FUZZ_CRON_SECONDS  ?= 10
FUZZ_MAX_LEN       ?= 65536
FUZZ_ARGS          ?=

BENCH_MIN_TIME ?= 0.3
BENCH_OPPORTUNITIES ?= 100000
BENCH_DB_OPPORTUNITIES ?= 20000
BENCH_HTTP_SECONDS ?= 10
BENCH_ARGS     ?=

CLANG_FORMAT   ?= clang-format
CLANG_TIDY     ?= clang-tidy
RUN_CLANG_TIDY ?= run-clang-tidy

# The phases of `make test`, in order (cheap and likely-to-fail first).
TEST_PHASES    ?= fmt-check test-release accuracy test-asan fuzz

SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
           LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp

# ccache: hit across checkouts (CI builds a fresh clone in another folder).
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

FMT_DIRS := src tests bench fuzz
FMT_FILES = $(shell find $(FMT_DIRS) -type f \( -name '*.h' -o -name '*.cc' \) 2>/dev/null | sort)

SHELL := /bin/bash
# Ninja builds in parallel; make itself runs one step at a time.
.NOTPARALLEL:
.DEFAULT_GOAL := build
.PHONY: help install-deps configure build run test test-release test-asan \
        asan-build accuracy fuzz fuzz-seeds bench fmt fmt-check lint clean

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'

install-deps:
ifeq ($(SKIP_DEPS),)
	@scripts/install-deps
endif

# Re-running the configure step is cheap and picks up changed variables. The
# compiler only applies to a new build directory (CXX is read once by CMake).
configure:
	@CXX=$(RELEASE_CXX) cmake -S . -B $(BUILD_DIR) -G Ninja --log-level=WARNING \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DLIA_BENCH=ON $(CMAKE_ARGS)

build: install-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The embedded defaults (DESIGN §4): SQLite in ./data, the in-process cache,
# 127.0.0.1:8080. A first run without ./profile.yaml copies the example.
RUN_ARGS ?= serve
run: install-deps build
	@[ -f profile.yaml ] || [ -n "$$LIA_PROFILE" ] || \
	  { cp config/profile.example.yaml profile.yaml && \
	    echo "make run: wrote ./profile.yaml from config/profile.example.yaml; edit it to make it yours"; }
	exec $(BUILD_DIR)/lia $(RUN_ARGS)

test: install-deps
	@set -e; start=$$(date +%s); times=""; \
	for phase in $(TEST_PHASES); do \
	  echo "==> make $$phase"; t0=$$(date +%s); \
	  $(MAKE) --no-print-directory SKIP_DEPS=1 $$phase || { \
	    echo "make test: FAILED in $$phase after $$(( $$(date +%s) - start ))s:$$times $$phase $$(( $$(date +%s) - t0 ))s"; \
	    exit 1; }; \
	  times="$$times $$phase $$(( $$(date +%s) - t0 ))s,"; \
	done; \
	echo "make test: all phases passed in $$(( $$(date +%s) - start ))s:$${times%,}"

# Integration tests reach a private PostgreSQL and Redis that
# scripts/with-services starts in a temporary directory on free ports (and
# stops after); WITH_SERVICES= runs without them (those tests then skip).
WITH_SERVICES ?= scripts/with-services

test-release: build
	$(WITH_SERVICES) ctest --test-dir $(BUILD_DIR) --output-on-failure --no-tests=error \
	  -j $(JOBS) --timeout $(CTEST_TIMEOUT) $(CTEST_ARGS)

asan-build: install-deps
	@cmake -S . -B $(ASAN_DIR) -G Ninja --log-level=WARNING \
	  -DCMAKE_CXX_COMPILER=$(ASAN_CXX) -DCMAKE_BUILD_TYPE=$(ASAN_BUILD_TYPE) \
	  -DCMAKE_CXX_FLAGS_$(shell echo $(ASAN_BUILD_TYPE) | tr a-z A-Z)="$(ASAN_CXXFLAGS)" \
	  -DLIA_SANITIZE=ON -DLIA_FUZZ=ON -DLIA_BENCH=OFF $(CMAKE_ARGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)

test-asan: asan-build
	$(SAN_ENV) $(WITH_SERVICES) ctest --test-dir $(ASAN_DIR) --output-on-failure --no-tests=error \
	  -j $(JOBS) --timeout $(CTEST_TIMEOUT) $(CTEST_ARGS)

# The labelled corpus, gated. Skipped (with a line saying so) without shared/.
accuracy: build
	@if [ -f "$(CORPUS)" ]; then \
	  python3 $(SHARED_DIR)/eval/score.py --corpus $(CORPUS) \
	    --cmd "$(BUILD_DIR)/lia analyze --jsonl" --min $(MIN_ACCURACY); \
	else echo "accuracy: $(CORPUS) not found, skipped"; fi

# Seeds in the fuzzers' input format (fuzz/pipeline_fuzz.cc): mode byte 0 and
# a message text, mode byte 2 and the message as JSON.
fuzz-seeds:
	@rm -rf $(ASAN_DIR)/fuzz-seeds && mkdir -p $(ASAN_DIR)/fuzz-seeds
	@if [ -f "$(CORPUS)" ]; then python3 -c 'import json, os, sys; out = sys.argv[2]; cases = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]; [open(os.path.join(out, c["id"] + ext), "wb").write(data) for c in cases for ext, data in ((".txt", b"\0" + c["message"].encode()), (".json", b"\2" + json.dumps({k: c.get(k) for k in ("id", "sender", "thread", "message")}, ensure_ascii=False).encode()))]' "$(CORPUS)" $(ASAN_DIR)/fuzz-seeds; fi

# run_fuzzer(target, seconds, seed dirs...): bounded run, log to a file, the
# tail on failure; a crash input lands in $(ASAN_DIR)/fuzz-artifacts/.
define run_fuzzer
	@mkdir -p $(ASAN_DIR)/fuzz-corpus/$(1) $(ASAN_DIR)/fuzz-artifacts
	@echo "fuzz: $(1) for $(2)s"
	@if $(SAN_ENV) $(ASAN_DIR)/fuzz/$(1) -max_total_time=$(2) \
	    -max_len=$(FUZZ_MAX_LEN) -timeout=30 -rss_limit_mb=4096 \
	    -print_final_stats=1 -artifact_prefix=$(ASAN_DIR)/fuzz-artifacts/$(1)- \
	    $(patsubst %,-dict=%,$(wildcard fuzz/$(1).dict)) $(FUZZ_ARGS) \
	    $(ASAN_DIR)/fuzz-corpus/$(1) $(3) >$(ASAN_DIR)/$(1).log 2>&1; then \
	  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' \
	    $(ASAN_DIR)/$(1).log | tr '\n' ' '; echo; \
	else grep -E -m1 -B2 -A60 '^(==[0-9]+==ERROR|.*check failed|terminate called|.*runtime error)' \
	    $(ASAN_DIR)/$(1).log || tail -n 60 $(ASAN_DIR)/$(1).log; \
	  echo "fuzz: $(1) FAILED; full log $(ASAN_DIR)/$(1).log; input in $(ASAN_DIR)/fuzz-artifacts/"; \
	  echo $(1) >>$(ASAN_DIR)/fuzz-failed; fi
endef

# Runs every fuzzer even when one fails, then fails if any did.
fuzz: asan-build fuzz-seeds
	@rm -f $(ASAN_DIR)/fuzz-failed
	$(call run_fuzzer,pipeline_fuzz,$(FUZZ_SECONDS),$(ASAN_DIR)/fuzz-seeds)
	$(call run_fuzzer,salary_fuzz,$(FUZZ_SMALL_SECONDS),$(ASAN_DIR)/fuzz-seeds)
	$(call run_fuzzer,profile_fuzz,$(FUZZ_SMALL_SECONDS),fuzz/seeds/profile $(wildcard config))
	$(call run_fuzzer,cron_fuzz,$(FUZZ_CRON_SECONDS),fuzz/seeds/cron)
	@if [ -s $(ASAN_DIR)/fuzz-failed ]; then \
	  echo "fuzz: FAILED: $$(tr '\n' ' ' <$(ASAN_DIR)/fuzz-failed)"; exit 1; fi

bench: install-deps configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target pipeline_bench pipeline_memory_check
	$(BUILD_DIR)/bench/pipeline_bench --benchmark_min_time=$(BENCH_MIN_TIME) $(BENCH_ARGS)
	$(BUILD_DIR)/bench/pipeline_memory_check
	cmake --build $(BUILD_DIR) -j $(JOBS) --target lia cache_bench jobs_bench
	$(BUILD_DIR)/src/cache/cache_bench --benchmark_min_time=$(BENCH_MIN_TIME)
	$(WITH_SERVICES) $(BUILD_DIR)/src/jobs/jobs_bench --benchmark_min_time=$(BENCH_MIN_TIME)
	python3 bench/http_bench.py $(BUILD_DIR)/lia --opportunities $(BENCH_OPPORTUNITIES) \
	  --seconds $(BENCH_HTTP_SECONDS)
	@echo "== SQLite beside PostgreSQL, run the same way, no cache (every list reaches the database)"
	python3 bench/http_bench.py $(BUILD_DIR)/lia --opportunities $(BENCH_DB_OPPORTUNITIES) \
	  --seconds $(BENCH_HTTP_SECONDS) --cache-url 'memory://?max_bytes=0'
	$(WITH_SERVICES) bash -c 'python3 bench/http_bench.py $(BUILD_DIR)/lia \
	  --opportunities $(BENCH_DB_OPPORTUNITIES) --seconds $(BENCH_HTTP_SECONDS) \
	  --cache-url "memory://?max_bytes=0" --database-url "$$LIA_TEST_POSTGRES_URL"'
	cmake --build $(BUILD_DIR) -j $(JOBS) --target llm_standin
	python3 bench/llm_cache_bench.py --build $(BUILD_DIR)
	cmake --build $(BUILD_DIR) -j $(JOBS) --target trace_bench
	$(BUILD_DIR)/src/obs/trace_bench --benchmark_min_time=$(BENCH_MIN_TIME)
	python3 bench/obs_overhead_bench.py $(BUILD_DIR)/lia \
	  --seconds $(BENCH_HTTP_SECONDS)

fmt:
	$(CLANG_FORMAT) -i $(FMT_FILES)

fmt-check:
	@out=$$($(CLANG_FORMAT) --dry-run -Werror $(FMT_FILES) 2>&1) || { \
	  echo "$$out" | head -n 40; \
	  echo "fmt-check: not clang-formatted (run 'make fmt'):"; \
	  echo "$$out" | grep -oE '^[^ :]+\.(h|cc):[0-9]+:[0-9]+: error' | \
	    cut -d: -f1 | sort -u | sed 's/^/  /'; \
	  exit 1; }
	@echo "fmt-check: $(words $(FMT_FILES)) files clang-formatted"

# clang-tidy over src/ (.clang-tidy), with the compile commands of $(BUILD_DIR).
lint: configure
	@set -o pipefail; $(RUN_CLANG_TIDY) -p $(BUILD_DIR) -j $(JOBS) -quiet \
	  -clang-tidy-binary $(shell command -v $(CLANG_TIDY)) '$(CURDIR)/src/.*\.cc$$' 2>&1 | \
	  { grep -v -E '^[0-9]+ warnings? generated\.$$|^(/usr/bin/)?clang-tidy(-[0-9]+)? ' || true; }
	@echo "lint: clean of errors"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
