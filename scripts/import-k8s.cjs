// Preload for `cdk8s import k8s@1.34.0` (scripts/import-k8s.sh): cdk8s-cli downloads the
// Kubernetes definitions from GitHub; serve them from the official OpenAPI document kept in
// schemas/kubernetes/ instead (the same definitions cdk8s publishes), so the import is offline
// and reproducible.
const { readFileSync } = require('node:fs');
const { gunzipSync } = require('node:zlib');
const { join } = require('node:path');
// The package's exports hide lib/, so require the file by its path.
const util = require(join(require.resolve('cdk8s-cli/package.json').replace(/package\.json$/, ''), 'lib', 'util.js'));
util.download = async (url) => {
  const version = /\/v(\d+\.\d+)\.\d+\/_definitions\.json$/.exec(url)?.[1];
  if (!version) throw new Error(`unexpected download during the offline import: ${url}`);
  const swagger = JSON.parse(gunzipSync(readFileSync(join(__dirname, '..', 'schemas', 'kubernetes', `k8s-${version}-swagger.json.gz`))).toString('utf8'));
  // cdk8s's published _definitions.json is the document's `definitions` alone (no paths), with
  // the two "string that may also be a number" types spelt as unions, which the code generator
  // turns into IntOrString/Quantity classes (fromNumber keeps `port: 8080` an integer).
  const { definitions } = swagger;
  const union = (name, other) => {
    definitions[name] = { description: definitions[name].description, oneOf: [{ type: 'string' }, { type: other }] };
  };
  union('io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'integer');
  union('io.k8s.apimachinery.pkg.api.resource.Quantity', 'number');
  return JSON.stringify({ definitions });
};
