// Stands in for `ajv` and `ajv-formats` in the main bundle. conf (under
// electron-store) imports them at the top level but only uses them when a
// store is given a JSON schema (`schema`, `ajvOptions`, `rootSchema`), which
// the vault's store never is (main/platform/electron-store-kv.ts). Leaving the
// validator out saves ~40% of the bundle and its evaluation at every start
// (bench `main_start_ratio`). Should a schema ever be passed, this fails
// loudly instead of silently skipping validation.
export class Ajv2020 {
  constructor() {
    throw new Error('JSON-schema validation is not bundled: electron-store must be created without `schema`.');
  }
}
export default { default: () => {} };
