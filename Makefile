# bellyfed-emu — the two user entry points are `make run` and `make test`.
# Both install missing Debian packages (apt-get, as root or through sudo), configure and build.
#
#   make run     build the binary (only it), then run every scenario under scenarios/ and print a summary
#   make test    check formatting, build everything, run ctest (unit, scenario, CLI and wire
#                tests), then all of it again under AddressSanitizer + UndefinedBehaviorSanitizer
#                (built by clang), then each fuzz target briefly
#   make bench   build optimised and print benchmark figures (name: value unit); set
#                TRACE_COST_REFERENCE=path/to/another/bellyfed-emu to compare the flows' cost with it
#   make soak    wrk on GetItem and the gateway flow for minutes with RSS sampled (SOAK_SECONDS per
#                round, SOAK_ROUNDS rounds): errors, p99 and RSS growth
#   make fuzz    build the libFuzzer targets (in the sanitizer build) and fuzz each for FUZZ_SECONDS
#                (default 300); make test runs each one's corpus plus 8 seconds of fuzzing
#   make format        clang-format every C++ source (.clang-format is the house style)
#   make format-check  fail if any C++ source differs from what `make format` would write

BUILD     ?= build
ASAN      ?= build-asan
BENCH     ?= build-bench
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := pattern_fuzz dynamo_fuzz router_fuzz loaders_fuzz json_scan_fuzz
JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_GEN ?= $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

# What building and testing need on Debian 12. awscli and python3-boto3 are the real AWS
# clients the wire tests use (Debian's, at /usr/bin); prometheus brings promtool, which checks
# serve's /metrics; chromium is the headless browser the dashboard's test drives.
DEB_PACKAGES := g++ cmake make pkg-config libcpp-httplib-dev libsqlite3-dev nlohmann-json3-dev \
                libyaml-cpp-dev catch2 libpq-dev postgresql python3 awscli python3-boto3 \
                clang-format clang libclang-rt-14-dev curl prometheus chromium

# Benchmarks only: wrk drives the HTTP benchmarks, Java 17 runs DynamoDB Local (a peer).
BENCH_PACKAGES := wrk openjdk-17-jre-headless

.PHONY: run test bench soak fuzz format format-check deps bench-deps build build-bin build-asan clean

# Every C++ source of ours (build trees excluded).
SOURCES = $(shell find emulator tests -name '*.cc' -o -name '*.h' | sort)

# Installs those of the Debian packages $(1) that are missing (as root, else through sudo);
# $(2) says what for.
define apt_install
	@missing=""; \
	for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages$(2):$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PACKAGES),)
	@# The JavaScript SDK wire tests need Node.js and npm; this machine kind ships Node 20.
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "==> installing Debian packages: nodejs npm"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi

bench-deps: deps
	$(call apt_install,$(BENCH_PACKAGES), for benchmarks)

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Only the binary: what `make run` needs (the tests take most of a full build).
build-bin: deps
	@cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target bellyfed-emu

# The sanitizer build: clang with ASan + UBSan, -O1 with assertions on, and libFuzzer's
# coverage, so the same build runs the whole suite and the fuzz targets (tests/fuzz).
configure_asan = cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DEMU_SANITIZE=address,undefined -DEMU_FUZZ=ON >/dev/null

build-asan: deps
	@$(call configure_asan)
	@cmake --build $(ASAN) -j $(JOBS)

fuzz: deps
	@$(call configure_asan)
	@cmake --build $(ASAN) -j $(JOBS) --target $(FUZZ_TARGETS)
	tests/fuzz/run.sh $(ASAN) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

run: build-bin
	./$(BUILD)/bellyfed-emu run scenarios/

test: format-check build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)
	tests/fuzz/run.sh $(ASAN) 8 $(FUZZ_TARGETS)

bench: bench-deps
	@cmake -S . -B $(BENCH) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH) -j $(JOBS) --target bellyfed-emu runtime_bench pattern_bench dynamo_bench sqs_flow_bench gateway_flow_bench outbox_bench events_flow_bench
	./$(BENCH)/tests/bench/runtime_bench
	@test -s $(BENCH)/citylots.jsonl || { echo "==> generating 200,000 citylots-shaped events"; \
	  /usr/bin/python3 tests/bench/gen_citylots.py 200000 42 > $(BENCH)/citylots.jsonl; }
	./$(BENCH)/tests/bench/pattern_bench $(BENCH)/citylots.jsonl tests/data/eventbridge/event-ruler-citylots2-benchmark-rules.json
	/usr/bin/python3 tests/bench/serve_bench.py ./$(BENCH)/bellyfed-emu
	/usr/bin/python3 tests/bench/runner_bench.py ./$(BENCH)/bellyfed-emu
	./$(BENCH)/tests/bench/dynamo_bench
	/usr/bin/python3 tests/bench/dynamodb_bench.py ./$(BENCH)/bellyfed-emu
	/usr/bin/python3 tests/bench/sqs_bench.py ./$(BENCH)/bellyfed-emu ./$(BENCH)/tests/bench/sqs_flow_bench
	/usr/bin/python3 tests/bench/gateway_bench.py ./$(BENCH)/bellyfed-emu
	/usr/bin/python3 tests/bench/events_bench.py ./$(BENCH)/bellyfed-emu
	./$(BENCH)/tests/bench/events_flow_bench $(BENCH)/citylots.jsonl tests/data/eventbridge/event-ruler-citylots2-benchmark-rules.json
	./$(BENCH)/tests/bench/gateway_flow_bench
	/usr/bin/python3 tests/bench/outbox_bench.py ./$(BENCH)/tests/bench/outbox_bench
	/usr/bin/python3 tests/bench/functions_bench.py ./$(BENCH)/bellyfed-emu
	/usr/bin/python3 tests/bench/record_bench.py ./$(BENCH)/bellyfed-emu
	/usr/bin/python3 tests/bench/trace_cost_bench.py ./$(BENCH)/bellyfed-emu $(TRACE_COST_REFERENCE)
	/usr/bin/python3 tests/bench/dashboard_cost_bench.py ./$(BENCH)/bellyfed-emu

SOAK_SECONDS ?= 30
SOAK_ROUNDS ?= 6
soak: bench-deps
	@cmake -S . -B $(BENCH) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BENCH) -j $(JOBS) --target bellyfed-emu
	/usr/bin/python3 tests/soak/soak.py ./$(BENCH)/bellyfed-emu $(SOAK_SECONDS) $(SOAK_ROUNDS)

format:
	clang-format -i $(SOURCES)

format-check: deps
	@clang-format --dry-run --Werror $(SOURCES) || \
	  { echo "==> some C++ sources are not formatted: run 'make format'"; exit 1; }
	@echo "==> formatting: $(words $(SOURCES)) C++ sources as .clang-format says"

clean:
	rm -rf $(BUILD) $(ASAN) $(BENCH)
