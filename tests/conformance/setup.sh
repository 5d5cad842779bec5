#!/usr/bin/env bash
# Installs the pinned npm packages and dumps the CEL conformance suite to
# binary protobuf, outside git:
#
#   tests/conformance/setup.sh            # prints the dump folder on stdout
#
# Scratch folder: $ONUS_CONFORMANCE_DIR (default ~/.cache/onus-conformance),
# with npm/ (package.json, lock, node_modules, dump.mjs) and dump/ (the
# .binpb files). Idempotent: when the dump was made from the same
# package.json, lock and dump.mjs, nothing is installed or rewritten. Only the
# npm registry is contacted, and only when the packages are not installed yet.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="${ONUS_CONFORMANCE_DIR:-${HOME}/.cache/onus-conformance}"
npm_dir="${scratch}/npm"
dump_dir="${scratch}/dump"

command -v node >/dev/null || { echo "setup.sh: node not found (apt-get install nodejs npm)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm not found (apt-get install npm)" >&2; exit 1; }

# The stamp names exactly what the dump was made from.
stamp="$(cat "${here}/package.json" "${here}/package-lock.json" "${here}/dump.mjs" | sha256sum | cut -d' ' -f1)"
if [[ -f "${dump_dir}/STAMP" && "$(cat "${dump_dir}/STAMP")" == "${stamp}" && -f "${dump_dir}/MANIFEST" ]]; then
  echo "setup.sh: conformance dump is current (${dump_dir})" >&2
  echo "${dump_dir}"
  exit 0
fi

mkdir -p "${npm_dir}"
cp "${here}/package.json" "${here}/package-lock.json" "${here}/dump.mjs" "${npm_dir}/"
if ! cmp -s "${here}/package-lock.json" "${npm_dir}/node_modules/.package-lock.json.onus" 2>/dev/null; then
  echo "setup.sh: npm ci in ${npm_dir}" >&2
  (cd "${npm_dir}" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "${here}/package-lock.json" "${npm_dir}/node_modules/.package-lock.json.onus"
fi

# Dump into a fresh folder and swap it in, so a failed dump never leaves a
# mixture of old and new files behind a valid stamp.
rm -rf "${dump_dir}.new"
node "${npm_dir}/dump.mjs" "${dump_dir}.new" >&2
echo "${stamp}" > "${dump_dir}.new/STAMP"
rm -rf "${dump_dir}"
mv "${dump_dir}.new" "${dump_dir}"
echo "${dump_dir}"
