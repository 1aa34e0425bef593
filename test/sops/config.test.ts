import { describe, expect, it } from 'vitest';
import { defaultSopsConfigText, editRuleRecipients, findCreationRule, parseSopsConfig, SopsError } from '../../src/sops/index.js';

const R1 = 'age1rhuhdmqnj3x2frcxg6jc676jhqvv2l0jcsjrdpfrsc8zphjps4lsrngp6j';
const R2 = 'age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph';

describe('.sops.yaml creation rules', () => {
  it('parses the rule keys, the comma-separated age string and stores.yaml.indent', () => {
    const cfg = parseSopsConfig(
      `creation_rules:\n  - path_regex: \\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n    age: ${R1}, ${R2}\n  - age: ${R2}\nstores:\n  yaml:\n    indent: 2\n`,
    );
    expect(cfg).toEqual({
      creationRules: [{ pathRegex: '\\.sops\\.ya?ml$', encryptedRegex: '^(data|stringData)$', macOnlyEncrypted: true, age: [R1, R2] }, { age: [R2] }],
      yamlIndent: 2,
    });
  });

  it('reads a single key group of age keys as the rule’s recipients', () => {
    const cfg = parseSopsConfig(`creation_rules:\n  - key_groups:\n      - age:\n          - ${R1}\n          - ${R2}\n`);
    expect(cfg.creationRules[0]!.age).toEqual([R1, R2]);
  });

  it('finds the first rule whose path_regex matches (unanchored, like Go regexp.MatchString)', () => {
    const cfg = parseSopsConfig(
      `creation_rules:\n  - path_regex: apps/media/.*\\.sops\\.yaml$\n    age: ${R1}\n  - path_regex: \\.sops\\.yaml$\n    age: ${R2}\n  - age: ${R1},${R2}\n`,
    );
    expect(findCreationRule(cfg, 'clusters/homelab/apps/media/sonarr/secret.sops.yaml')?.age).toEqual([R1]);
    expect(findCreationRule(cfg, 'clusters/homelab/infrastructure/x/secret.sops.yaml')?.age).toEqual([R2]);
    expect(findCreationRule(cfg, 'README.md')?.age).toEqual([R1, R2]);
    expect(findCreationRule(cfg, '.\\clusters\\apps\\media\\a.sops.yaml')?.age).toEqual([R1]);
    const none = parseSopsConfig(`creation_rules:\n  - path_regex: \\.sops\\.yaml$\n    age: ${R1}\n`);
    expect(findCreationRule(none, 'values.yaml')).toBeUndefined();
  });

  it.each([
    ['not yaml: [', /not valid YAML/],
    ['- a\n- b\n', /must be a mapping/],
    ['stores: {}\n', /no creation_rules/],
    ['creation_rules: {}\n', /must be a list/],
    [`creation_rules:\n  - path_regexp: x\n    age: ${R1}\n`, /unknown key "path_regexp" \(did you mean path_regex\?\)/],
    [`creation_rules:\n  - age:\n      - ${R1}\n`, /YAML list; sops 3.8–3.10 need ONE comma-separated string/],
    ['creation_rules:\n  - age: age1nope\n', /not an X25519 age recipient/],
    [`creation_rules:\n  - age: ${R1}\n    pgp: ABC\n`, /pgp is not supported/],
    [`creation_rules:\n  - age: ${R1}\n    encrypted_regex: a\n    unencrypted_suffix: b\n`, /more than one/],
    [`creation_rules:\n  - age: ${R1}\n    encrypted_regex: "(unclosed"\n`, /invalid regular expression/],
    [`creation_rules:\n  - age: ${R1}\n    mac_only_encrypted: "yes"\n`, /true or false/],
    [`creation_rules:\n  - key_groups:\n      - age: [${R1}]\n      - age: [${R2}]\n`, /Shamir/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseSopsConfig(text)).toThrow(SopsError);
    expect(() => parseSopsConfig(text)).toThrow(message);
  });

  it('writes a default config that parses back to the Flux Secret rule', () => {
    const cfg = parseSopsConfig(defaultSopsConfigText([R1]));
    expect(cfg.creationRules).toEqual([
      // secrets.sops.yaml first, every value encrypted: the output's rule would select none of its keys
      { pathRegex: '(^|/)secrets\\.sops\\.ya?ml$', age: [R1] },
      { pathRegex: '\\.sops\\.ya?ml$', encryptedRegex: '^(data|stringData)$', macOnlyEncrypted: true, age: [R1] },
    ]);
    expect(findCreationRule(cfg, 'secrets.sops.yaml')).toBe(cfg.creationRules[0]);
    expect(findCreationRule(cfg, 'clusters/homelab/apps/media/sonarr/secret.sops.yaml')).toBeDefined();
    expect(findCreationRule(cfg, 'clusters/homelab/apps/media/sonarr/secret.sops.yml')).toBeDefined();
  });

  it('edits recipients keeping comments and other keys, and refuses to leave a rule empty', () => {
    const text = `# keep me\ncreation_rules:\n  - path_regex: \\.sops\\.yaml$ # and me\n    encrypted_regex: ^(data|stringData)$\n    age: ${R1}\n`;
    const out = editRuleRecipients(text, (cur) => [...cur, R2]);
    expect(out).toContain('# keep me');
    expect(out).toContain('# and me');
    expect(parseSopsConfig(out).creationRules[0]).toEqual({ pathRegex: '\\.sops\\.yaml$', encryptedRegex: '^(data|stringData)$', age: [R1, R2] });
    expect(() => editRuleRecipients(text, () => [])).toThrow(/without any age recipient/);
  });
});
