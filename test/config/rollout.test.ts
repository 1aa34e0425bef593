import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/stack-config.js';

describe('rollout.restartOnChange', () => {
  it("defaults to 'checksum' (no controller needed) and takes 'reloader'", () => {
    expect(resolveConfig({}).rollout.restartOnChange).toBe('checksum');
    expect(resolveConfig({ rollout: { restartOnChange: 'reloader' } }).rollout.restartOnChange).toBe('reloader');
  });

  it('refuses another value, naming the field and the values it takes', () => {
    expect(() => resolveConfig({ rollout: { restartOnChange: 'auto' as never } })).toThrow(ConfigError);
    expect(() => resolveConfig({ rollout: { restartOnChange: 'auto' as never } })).toThrow("rollout.restartOnChange: must be one of 'checksum', 'reloader', got 'auto'");
  });
});
