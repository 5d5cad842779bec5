// Validates SARIF files against the official SARIF 2.1.0 JSON schema
// (sarif-2.1.0-rtm.5.json, as shipped in the npm package
// @microsoft/jest-sarif) with ajv. Usage: node sarif_validate.mjs SCHEMA FILE...
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.cwd() + "/");
// The SARIF 2.1.0 schema is a JSON Schema draft-04 document.
const Ajv = require("ajv-draft-04").default;
const addFormats = require("ajv-formats").default;

const [schemaPath, ...files] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
// Formats (uri, date-time) are checked too.
// unicodeRegExp: false because the official schema has a pattern
// ("language") that is only valid without the unicode flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
let passed = 0, failed = 0;
for (const f of files) {
  const doc = JSON.parse(fs.readFileSync(f, "utf8"));
  if (validate(doc)) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL ${f}:`);
    for (const e of validate.errors.slice(0, 20)) {
      console.log(`  ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
}
console.log(`sarif-schema: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
