/**
 * The SOPS + age engine: reads and writes SOPS files like sops 3.9/3.10 (YAML store; JSON for
 * reading), with age recipients only. See docs/architecture.md and the module headers:
 *   cipher.ts     ENC[AES256_GCM,…] values (32-byte IV, key-path AAD, typed plaintext)
 *   mac.ts        the SHA-512 MAC over values, encrypted with lastmodified as AAD
 *   walk.ts       the tree walk (which leaves, their paths, MAC order)
 *   selection.ts  encrypted_regex / unencrypted_suffix / … rules
 *   metadata.ts   the `sops:` block
 *   age.ts        wrapping/unwrapping the data key, identity parsing
 *   identities.ts where sops looks for identities
 *   config.ts     .sops.yaml creation rules
 *   yaml-read.ts / yaml-write.ts / json-read.ts   yaml.v3-compatible typing and output
 *   keys.ts       identity lifecycle behind `npm run keys`
 */
export { SopsError } from './errors.js';
export {
  parseSopsConfig,
  findCreationRule,
  defaultSopsConfigText,
  editRuleRecipients,
  withOperatorSecretsRule,
  withoutDemoNote,
  OPERATOR_SECRETS_PATH_REGEX,
  type CreationRule,
  type SopsConfig,
} from './config.js';
export {
  encryptYaml,
  decryptYaml,
  decryptJson,
  inspectSopsYaml,
  rewrapYaml,
  reencryptYaml,
  clearTextValuePaths,
  describeClearText,
  type EncryptOptions,
  type SopsInspection,
} from './file.js';
export { loadAgeIdentities, defaultAgeKeyFile } from './identities.js';
export { isAgeRecipient, isAgeIdentity, parseIdentities, recipientOf, newIdentity } from './age.js';
export { SOPS_VERSION } from './metadata.js';
export { isEncString } from './cipher.js';

export { DEMO_RECIPIENT, DEMO_IDENTITY_FILE, demoIdentity, isDemoReadable } from './demo.js';
