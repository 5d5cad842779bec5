#!/usr/bin/env bash
# Peak memory of `onus eval` on a streamed input (engine/stream_eval.h).
#
#   stream_memory_test.sh GEN ONUS POLICIES SMALL LARGE LIMIT_MB [SLACK_MB]
#
# Generates streams of SMALL and LARGE resources (tests/stream/gen_stream),
# evaluates each with the built-in AWS pack under GNU time, and fails when
# the peak RSS of the LARGE run exceeds LIMIT_MB, or (with SLACK_MB) when it
# exceeds the SMALL run's by more than SLACK_MB: memory must not grow with
# the inventory.
set -euo pipefail

gen=$1 onus=$2 policies=$3 small=$4 large=$5 limit_mb=$6 slack_mb=${7:-}
if [[ ! -x /usr/bin/time ]]; then
  echo "FAIL: /usr/bin/time (Debian package 'time') is required" >&2
  exit 1
fi
# Under AddressSanitizer (`make sanitize`) freed blocks wait in a quarantine
# of 256 MB by default, growth that is the sanitizer's and not the engine's;
# a small one keeps use-after-free checks on recent frees and the bound
# meaningful. Other builds ignore the variable.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/stream_mem.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Prints the peak RSS in kB of one evaluation of a COUNT-resource stream.
peak_kb() {
  local count=$1
  "$gen" "$tmp/in.stream" "$count"
  local size
  size=$(stat -c %s "$tmp/in.stream")
  # The report goes to a pipe that keeps only what the checks need, so a
  # large run writes no large file. Exit 1 means failing findings (there are
  # some by construction).
  /usr/bin/time -v -o "$tmp/time.txt" "$onus" eval --policies "$policies" \
    --input "$tmp/in.stream" --only-failures --format json --fail-on high |
    grep -E -o '"outcome":"[A-Z_]+"|"resources_evaluated": *"[0-9]+"' |
    sort | uniq -c >"$tmp/counts.txt"
  local rc=${PIPESTATUS[0]}
  if [[ $rc -ne 1 ]]; then
    echo "FAIL: onus eval exited $rc on $count resources" >&2
    cat "$tmp/time.txt" >&2
    exit 1
  fi
  local kb
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
  local secs
  secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' \
    "$tmp/time.txt")
  # The report must be complete: every resource evaluated, failures listed,
  # nothing but non-passing findings.
  local evaluated failures passes
  evaluated=$(sed -n 's/.*"resources_evaluated": *"\([0-9]*\)".*/\1/p' \
    "$tmp/counts.txt")
  failures=$(sed -n 's/ *\([0-9]*\) "outcome":"FAIL"/\1/p' "$tmp/counts.txt")
  passes=$(grep -c '"outcome":"PASS"' "$tmp/counts.txt" || true)
  if [[ -z "$evaluated" || "$evaluated" -lt "$count" || -z "$failures" ||
    "$passes" -ne 0 ]]; then
    echo "FAIL: $count resources: unexpected report:" >&2
    cat "$tmp/counts.txt" >&2
    exit 1
  fi
  echo "$count resources ($size bytes): peak RSS ${kb} kB, wall $secs," \
    "$failures FAIL findings" >&2
  echo "$kb"
}

# The streamed JSON report (findings written as they come) is one valid
# onus.v1.Report: its findings are exactly the non-passing outcomes counted
# in its summary. 3 accounts of 700, so batches and accounts both roll over.
"$gen" "$tmp/check.stream" 2100 700
rc=0
"$onus" eval --policies "$policies" --input "$tmp/check.stream" \
  --only-failures --format json --output "$tmp/check.json" || rc=$?
if [[ $rc -ne 0 && $rc -ne 1 ]]; then
  echo "FAIL: onus eval exited $rc on the check stream" >&2
  exit 1
fi
python3 - "$tmp/check.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["summary"]["totals"]
want = sum(int(t.get(k, 0)) for k in ("fail", "error", "waived"))
got = len(r.get("findings", []))
bad = [f for f in r.get("findings", []) if f["outcome"] in ("PASS", "NOT_APPLICABLE")]
if got != want or want == 0 or bad or int(r["summary"]["resources_evaluated"]) < 2100:
    sys.exit(f"FAIL: streamed JSON report: {got} findings, summary {t}")
print(f"streamed JSON report: {got} findings, summary {t}", file=sys.stderr)
PY

small_kb=$(peak_kb "$small")
large_kb=$(peak_kb "$large")
limit_kb=$((limit_mb * 1024))
if ((large_kb > limit_kb)); then
  echo "FAIL: peak RSS ${large_kb} kB for $large resources is over" \
    "${limit_mb} MB" >&2
  exit 1
fi
if [[ -n "$slack_mb" ]] && ((large_kb - small_kb > slack_mb * 1024)); then
  echo "FAIL: peak RSS grew from ${small_kb} kB ($small resources) to" \
    "${large_kb} kB ($large resources), more than ${slack_mb} MB" >&2
  exit 1
fi

# SARIF and CSV are written as findings come too (engine/report/writers.h):
# on the large stream (still in in.stream) they need no more memory than
# JSON, within the same slack, and hold every non-passing finding.
want=$(awk '/"outcome":"(FAIL|ERROR|WAIVED)"/ { n += $1 } END { print n + 0 }' \
  "$tmp/counts.txt")
for format in sarif csv; do
  rc=0
  /usr/bin/time -v -o "$tmp/time.txt" "$onus" eval --policies "$policies" \
    --input "$tmp/in.stream" --only-failures --format "$format" \
    --output "$tmp/out.$format" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: onus eval --format $format exited $rc" >&2
    exit 1
  fi
  kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
  if [[ $format == sarif ]]; then
    got=$(grep -c '"ruleId":' "$tmp/out.$format" || true)
  else
    got=$(($(wc -l <"$tmp/out.$format") - 1))
  fi
  echo "$large resources, --format $format: peak RSS ${kb} kB, $got" \
    "findings" >&2
  if [[ "$got" -ne "$want" ]]; then
    echo "FAIL: --format $format wrote $got findings, want $want" >&2
    exit 1
  fi
  if ((kb > limit_kb)) ||
    { [[ -n "$slack_mb" ]] && ((kb - small_kb > slack_mb * 1024)); }; then
    echo "FAIL: --format $format: peak RSS ${kb} kB on $large resources" \
      "(JSON: ${small_kb} kB on $small, ${large_kb} kB on $large)" >&2
    exit 1
  fi
done
echo "PASS: $small resources ${small_kb} kB, $large resources ${large_kb} kB" \
  "(limit ${limit_mb} MB; SARIF and CSV alike)"
