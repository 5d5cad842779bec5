#!/usr/bin/env bash
# Runs the real runner binary on a tiny dump (stand-in schema, smoke.binpb):
# counts, final line, exit status against targets, report, filters, errors.
set -uo pipefail

runner="$1"
descriptors="$2"
smoke="$3"
dir="${TEST_TMPDIR:-$(mktemp -d)}/dump"
mkdir -p "${dir}"
cp "${descriptors}" "${dir}/descriptors.binpb"
cp "${smoke}" "${dir}/smoke.binpb"
printf '@bufbuild/cel-spec test\nsmoke 5\n' > "${dir}/MANIFEST"

fail() { echo "FAIL: $*"; exit 1; }

out="$("${runner}" --data "${dir}")"; rc=$?
echo "${out}"
[[ ${rc} -eq 0 ]] || fail "no targets: want exit 0, got ${rc}"
[[ "$(tail -n1 <<<"${out}")" == "conformance: 3 passed, 1 failed, 1 skipped" ]] \
  || fail "final line"

# 3/5 = 60%: meets a 60% target, misses a 61% one.
echo "smoke 60" > "${dir}/t60"
echo "smoke 61" > "${dir}/t61"
"${runner}" --data "${dir}" --targets "${dir}/t60" >/dev/null \
  || fail "60% target should pass"
out="$("${runner}" --data "${dir}" --targets "${dir}/t61")" \
  && fail "61% target should fail"
grep -q "below target: smoke: 60.0% passed, target 61%" <<<"${out}" \
  || fail "below-target line"

# A target for a file the suite lacks is an error, not silence.
echo "smoek 10" > "${dir}/typo"
"${runner}" --data "${dir}" --targets "${dir}/typo" >/dev/null \
  && fail "target typo should fail"

# Report: summary row, failure and skip rows, no pass rows.
"${runner}" --data "${dir}" --targets "${dir}/t60" --report "${dir}/r.md" \
  >/dev/null || fail "report run"
grep -q "| smoke | 5 | 3 | 1 | 1 | 60.0 | 60% | ok |" "${dir}/r.md" \
  || fail "summary row"
grep -q "| arith/wrong | fail | \`1 + 1\` | want int64_value: 3, got int64_value: 2 |" \
  "${dir}/r.md" || fail "failure row"
grep -q "| other/unknown | skip | \`x\` | unknowns not supported |" "${dir}/r.md" \
  || fail "skip row"
grep -q "arith/add" "${dir}/r.md" && fail "pass listed in report"

# Filters: a section, and a filter that selects nothing.
out="$("${runner}" --data "${dir}" --filter smoke/arith/add --verbose)" \
  || fail "filtered run"
grep -q "^PASS smoke/arith/add" <<<"${out}" || fail "verbose PASS line"
[[ "$(tail -n1 <<<"${out}")" == "conformance: 1 passed, 0 failed, 0 skipped" ]] \
  || fail "filtered final line"
"${runner}" --data "${dir}" --filter smoke/nope 2>/dev/null; rc=$?
[[ ${rc} -eq 2 ]] || fail "empty filter: want exit 2, got ${rc}"

# Broken dumps are errors.
printf 'smoke 6\n' > "${dir}/MANIFEST"
"${runner}" --data "${dir}" 2>/dev/null; rc=$?
[[ ${rc} -eq 2 ]] || fail "count mismatch: want exit 2, got ${rc}"
"${runner}" --data "${dir}/missing" 2>/dev/null; rc=$?
[[ ${rc} -eq 2 ]] || fail "missing dump: want exit 2, got ${rc}"

echo "PASS"
