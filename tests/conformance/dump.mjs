// Dumps Google's cel-spec conformance suite, as shipped by the npm package
// @bufbuild/cel-spec, into binary protobuf files that the C++ runner reads
// with a DynamicMessageFactory (it links no generated code for these types).
//
//   node dump.mjs <out_dir>
//
// Writes <out_dir>/<file>.binpb (one cel.expr.conformance.test.SimpleTestFile
// per conformance file: basic, comparisons, ...), <out_dir>/descriptors.binpb
// (a google.protobuf.FileDescriptorSet with every file the tests need, each
// file after its dependencies) and <out_dir>/MANIFEST (file names, counts and
// the package versions, used by setup.sh to decide whether a dump is current).
import { mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { getConformanceSuite } from "@bufbuild/cel-spec/testdata/tests.js";
import { getTestRegistry } from "@bufbuild/cel-spec/testdata/registry.js";
import {
  SimpleTestFileSchema,
  SimpleTestSectionSchema,
} from "@bufbuild/cel-spec/cel/expr/conformance/test/simple_pb.js";

const out = process.argv[2];
if (!out) {
  console.error("usage: node dump.mjs <out_dir>");
  process.exit(2);
}
mkdirSync(out, { recursive: true });

// Writes through a temporary name so a crash never leaves a half file that a
// later run would mistake for a complete dump.
function writeAtomic(path, bytes) {
  writeFileSync(path + ".tmp", bytes);
  renameSync(path + ".tmp", path);
}

// --- descriptors: every file in the test registry plus the SimpleTest file,
// dependencies first (protobuf's DescriptorPool::BuildFile needs them first).
const files = new Map();
const visiting = new Set();
function addFile(f) {
  if (files.has(f.name)) return;
  if (visiting.has(f.name)) throw new Error(`import cycle at ${f.name}`);
  visiting.add(f.name);
  for (const dep of f.dependencies) addFile(dep);
  visiting.delete(f.name);
  files.set(f.name, f);
}
for (const desc of getTestRegistry()) addFile(desc.file);
addFile(SimpleTestFileSchema.file);
const fds = create(FileDescriptorSetSchema, {
  file: [...files.values()].map((f) => f.proto),
});
writeAtomic(join(out, "descriptors.binpb"), toBinary(FileDescriptorSetSchema, fds));

// --- tests: one SimpleTestFile per conformance file.
const manifest = [];
const suite = getConformanceSuite();
let total = 0;
for (const file of suite.suites) {
  if ((file.tests ?? []).length > 0) {
    // The package nests tests two levels deep (file -> section -> test); a
    // test directly under a file would be lost silently, so refuse instead.
    throw new Error(`${file.name}: tests outside a section are not supported`);
  }
  const sections = file.suites.map((sec) => {
    if ((sec.suites ?? []).length > 0) {
      throw new Error(`${file.name}/${sec.name}: nested sections not supported`);
    }
    return create(SimpleTestSectionSchema, {
      name: sec.name,
      // The package names an unnamed test after its expression; keep that
      // name so every test has an id in the report.
      test: sec.tests.map((t) => {
        if (!t.original.name) t.original.name = t.name;
        return t.original;
      }),
    });
  });
  const msg = create(SimpleTestFileSchema, { name: file.name, section: sections });
  const count = sections.reduce((n, s) => n + s.test.length, 0);
  total += count;
  writeAtomic(join(out, `${file.name}.binpb`), toBinary(SimpleTestFileSchema, msg));
  manifest.push(`${file.name} ${count}`);
}

// Both packages restrict "exports", so read their package.json directly; the
// script runs from the folder that holds node_modules (see setup.sh).
function version(pkg) {
  const url = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}
const header = [
  `@bufbuild/cel-spec ${version("@bufbuild/cel-spec")}`,
  `@bufbuild/protobuf ${version("@bufbuild/protobuf")}`,
  `descriptors ${files.size}`,
];
writeAtomic(join(out, "MANIFEST"), [...header, ...manifest].join("\n") + "\n");
console.log(`dumped ${manifest.length} files, ${total} tests, ${files.size} descriptors to ${out}`);
