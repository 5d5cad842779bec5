#!/bin/bash
# Runs the onus binary: the summary of the Acme inventory, and exit code 2
# with a clear message for usage and input errors.
set -u
ONUS="$1"
TMP="${TEST_TMPDIR:-/tmp}"
fail=0
check() {  # check NAME EXPECTED_RC GREP_PATTERN -- CMD...
  local name="$1" want_rc="$2" pattern="$3"
  shift 4
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [[ "$rc" != "$want_rc" ]]; then
    echo "FAIL $name: exit $rc, want $want_rc"; echo "$out"; fail=1; return
  fi
  if ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out"; fail=1; return
  fi
  echo "ok   $name"
}

ACME=tests/data/acme/snapshot.textproto
check version 0 '^onus [0-9]' -- "$ONUS" version
check help 0 'usage:' -- "$ONUS" help
check no-command 2 'missing command' -- "$ONUS"
check unknown-command 2 "unknown command 'frobnicate'" -- "$ONUS" frobnicate
check no-input 2 'input FILE is required' -- "$ONUS" eval
check bad-format 2 "unknown --format 'yaml'" -- "$ONUS" eval --input "$ACME" --format yaml
check missing-file 2 'nosuch.pb: cannot open file' -- "$ONUS" eval --input "$TMP/nosuch.pb"
check acme-total 0 'resources +292 in 4 accounts' -- "$ONUS" eval --input "$ACME"
check acme-provider 0 '^aws +203$' -- "$ONUS" eval --input "$ACME"
check acme-account 0 '^gcp +acme-analytics +Acme Analytics +48$' -- "$ONUS" eval --input="$ACME"
check acme-type 0 '^onus.aws.s3.Bucket +23$' -- "$ONUS" eval --input "$ACME"

printf 'id: "x"\nresources {\n  nope: 1\n}\n' > "$TMP/bad.textproto"
check text-error 2 'bad.textproto:3:' -- "$ONUS" eval --input "$TMP/bad.textproto"
printf '{"id": ' > "$TMP/bad.json"
check json-error 2 'bad.json: invalid JSON' -- "$ONUS" eval --input "$TMP/bad.json"
printf 'id: "x"\nresources { id: "r" type: "t" provider: AWS account: "nope" schemaless {} }\n' > "$TMP/invalid.textproto"
check invalid 2 "account' \(\"nope\"" -- "$ONUS" eval --input "$TMP/invalid.textproto"
exit $fail
