# Onus: two commands for newcomers and CI.
#   make demo   installs what is missing, builds, evaluates the built-in
#               policy pack over the bundled sample inventory.
#   make test   installs what is missing, builds, runs every test and ends
#               with one line "N passed, N failed[, N skipped]".
# Other targets: build, format, lint, conformance, bench, clean, sanitize,
# fuzz, stream-test, service-bench.

SHELL := /bin/bash
BAZEL ?= bazel
# Debian's python3: it has python3-grpcio (a pyenv python on PATH may not).
PYTHON ?= /usr/bin/python3
OUT := .scratch

.PHONY: all deps build demo test format lint conformance bench clean stream-test service-bench sanitize fuzz

all: build

deps:
	@.ci/install-deps

build: deps
	$(BAZEL) build //...

# The built-in policy pack over the bundled sample inventory. Findings are
# the point of the demo, so `onus eval` exiting 1 (findings) is not an error.
demo: deps
	$(BAZEL) build //engine/cli:onus
	@bazel-bin/engine/cli/onus eval --policies policies \
	  --input tests/data/acme/snapshot.textproto; test $$? -le 1
	@echo
	@echo "Also try: --format html --output report.html, --format sarif, --fail-on high"

# Every suite runs even when an earlier one failed; the summary line and the
# exit status reflect all of them. The CEL conformance suite counts one check
# per file with a target (met or not, as the issue defines the gate); its
# per-test numbers are printed above the summary and kept in
# docs/conformance.md.
test: deps
	@mkdir -p $(OUT) && rm -f $(OUT)/extra_counts.txt $(OUT)/bep.json
	@set -o pipefail; rc=0; \
	$(BAZEL) test --keep_going --build_event_json_file=$(OUT)/bep.json //... \
	  2>&1 | tee $(OUT)/bazel_test.txt || rc=1; \
	$(BAZEL) build //engine/cli:onus >/dev/null 2>&1 || rc=1; \
	bazel-bin/engine/cli/onus test policies 2>&1 | tee $(OUT)/policy_tests.txt || rc=1; \
	tail -n 1 $(OUT)/policy_tests.txt | sed 's/^/policies: /' >> $(OUT)/extra_counts.txt; \
	tests/e2e/sarif_schema_test.sh 2>&1 | tee $(OUT)/sarif.txt || rc=1; \
	grep -E '^sarif-schema: [0-9]+ passed' $(OUT)/sarif.txt >> $(OUT)/extra_counts.txt \
	  || echo "sarif-schema: 0 passed, 1 failed" >> $(OUT)/extra_counts.txt; \
	if [ -x tests/conformance/run.sh ]; then \
	  crc=0; tests/conformance/run.sh 2>&1 | tee $(OUT)/conformance.txt || crc=1; \
	  [ $$crc -eq 0 ] || rc=1; \
	  targeted=$$(grep -cE '\(target [0-9]+%\)' $(OUT)/conformance.txt); \
	  below=$$(grep -c '^below target' $(OUT)/conformance.txt); \
	  if [ $$crc -ne 0 ] && [ $$below -eq 0 ]; then below=1; fi; \
	  echo "conformance targets: $$((targeted - below)) passed, $$below failed" >> $(OUT)/extra_counts.txt; \
	fi; \
	$(PYTHON) .ci/summarize.py $(OUT)/bep.json $(OUT)/extra_counts.txt || rc=1; \
	exit $$rc

conformance: deps
	tests/conformance/run.sh

# The CSPM benchmark (100k and 1M resources) against protobuf baselines and
# Node peers; slow, so not part of `make test`. Figures: docs/performance.md.
bench: deps
	benchmarks/cspm/run.sh

# 1,000,000 streamed resources evaluated under 300 MB peak RSS (GNU time);
# slow, so not part of `make test` (its 20k smoke version is).
# gRPC service: the issue's targets (one-resource Evaluate at 1,000/s and
# with 64 clients, EvaluateStream vs the engine; MET/MISSED), then large
# requests and a 1,000,000-resource EvaluateStream memory check, all
# against a real server on 127.0.0.1. Figures: docs/performance.md.
service-bench: deps
	$(BAZEL) build -c opt //tests/service:service_bench //tests/service:unary_bench
	bazel-bin/tests/service/unary_bench
	bazel-bin/tests/service/service_bench
	bazel-bin/tests/service/service_bench --stream 1000000

stream-test: deps
	$(BAZEL) test --test_output=all //tests/stream:stream_memory_test

# Every test under AddressSanitizer and UndefinedBehaviorSanitizer
# (--config=sanitize in .bazelrc), in its own output base so that the normal
# build's outputs stay. Slow (a full rebuild): not part of `make test`.
SANITIZE_BAZEL = $(BAZEL) --output_base=$(HOME)/.cache/onus-bazel-sanitize
sanitize: deps
	$(SANITIZE_BAZEL) test --config=sanitize --keep_going //...

# Long mutation campaigns under the sanitizers; `make test` runs their smoke
# versions. FUZZ_ITERS: damaged inputs per input form of the CLI.
FUZZ_ITERS ?= 2000
fuzz: deps
	$(SANITIZE_BAZEL) test --config=sanitize --test_timeout=7200 \
	  --test_env=ONUS_FUZZ_ITERS=$(FUZZ_ITERS) //tests/e2e:cli_fuzz_test
	$(SANITIZE_BAZEL) test --config=sanitize --test_timeout=7200 \
	  --test_env=ONUS_FUZZ_ITERS=$$(( $(FUZZ_ITERS) * 100 )) \
	  --test_filter='*RandomBytesNeverCrash*' //engine:message_type_test

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

# Formatting check, then a build where any compiler warning is an error
# (its own output base config, so it does not evict the normal cache).
lint:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror
	$(BAZEL) build //engine/cli:onus && bazel-bin/engine/cli/onus fmt --check policies
	$(BAZEL) build --copt=-Werror //...

clean:
	$(BAZEL) clean
	rm -rf $(OUT)
