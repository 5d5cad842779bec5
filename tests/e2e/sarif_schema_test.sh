#!/usr/bin/env bash
# SARIF output validated against the official SARIF 2.1.0 schema with ajv,
# and byte-identical from one run to the next.
# Runs outside Bazel (it installs npm packages, the only network this project
# uses besides apt): called by `make test`. The schema and validator live in
# a cache folder outside the repository; nothing fetched is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ONUS=${ONUS:-bazel-bin/engine/cli/onus}
WORK=${ONUS_NPM_CACHE:-$HOME/.cache/onus-npm}/sarif
mkdir -p "$WORK"
if [ ! -f "$WORK/node_modules/ajv-draft-04/package.json" ] ||
   [ ! -f "$WORK/node_modules/@microsoft/jest-sarif/package.json" ]; then
  (cd "$WORK" && [ -f package.json ] || npm init -y >/dev/null 2>&1
   cd "$WORK" && npm install --no-audit --no-fund --silent \
     ajv@8.17.1 ajv-draft-04@1.0.0 ajv-formats@3.0.1 @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
fi
SCHEMA="$WORK/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# The sample with every outcome kind present: fails, a waiver, not-applicable.
cat > "$OUT/waivers.textproto" <<'W'
waivers { id: "W-1" policies: "aws.s3" resources: "arn:aws:s3:::acme-prod-*"
          reason: "accepted" owner: "qa" ticket: "T-1" expires { seconds: 4102444800 } }
W
"$ONUS" eval --policies policies --input tests/data/acme/snapshot.textproto \
  --format sarif --output "$OUT/acme.sarif" --waivers "$OUT/waivers.textproto"
"$ONUS" eval --policies policies --input tests/data/acme/snapshot.textproto \
  --policy aws.s3.block_public_access --format sarif --output "$OUT/one.sarif"
# Stable output: a second process writes the same bytes (JSON objects keep
# their keys in order; protobuf's hash-map order changes per process).
"$ONUS" eval --policies policies --input tests/data/acme/snapshot.textproto \
  --format sarif --output "$OUT/again.sarif" --waivers "$OUT/waivers.textproto"
if ! cmp -s "$OUT/acme.sarif" "$OUT/again.sarif"; then
  echo "FAIL: two runs wrote different SARIF:" >&2
  diff "$OUT/acme.sarif" "$OUT/again.sarif" | head -20 >&2
  exit 1
fi
(cd "$WORK" && node "$OLDPWD/tests/e2e/sarif_validate.mjs" "$SCHEMA" \
  "$OUT/acme.sarif" "$OUT/one.sarif")
