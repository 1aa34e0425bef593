/**
 * Issue 14's promise: after Flux has reconciled, the operator takes at most three steps, listed
 * once at the top of post-deploy.md; everything else is a setup job's (named there).
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLES, synthExample } from '../executed/support.js';

function operatorSteps(md: string): string[] {
  const list = md.split('\n## What only you do\n')[1]?.split('\n## ')[0] ?? '';
  return list.split('\n').filter((l) => /^\d+\. /.test(l));
}

describe('post-deploy.md: the steps only the operator takes', () => {
  for (const example of EXAMPLES) {
    it(`${example}: at most three numbered steps, and the setup jobs named`, async () => {
      const { files, objects } = await synthExample(example);
      const md = files.find((f) => f.path.endsWith('/post-deploy.md'))?.content ?? '';
      const steps = operatorSteps(md);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.length).toBeLessThanOrEqual(3);
      expect(steps[0]).toMatch(/^1\. Claim Plex/);
      // Every setup CronJob of the output is named in the page's opening paragraph.
      const jobs = objects.filter(
        (o: any) => o.kind === 'CronJob' && o.spec.jobTemplate.spec.template.spec.volumes?.some((v: any) => v.configMap?.name === `${o.metadata.name}-script`),
      );
      expect(jobs.length).toBeGreaterThan(2);
      for (const j of jobs) expect(md.split('\n## ')[0]).toContain(`\`cronjob/${j.metadata.name}\``);
    });
  }

  it('lists choosing indexers only while the config lists none', async () => {
    const homelab = (await synthExample('examples/homelab.ts')).files.find((f) => f.path.endsWith('/post-deploy.md'))!.content;
    const single = (await synthExample('examples/single-node.ts')).files.find((f) => f.path.endsWith('/post-deploy.md'))!.content;
    expect(operatorSteps(homelab).some((s) => s.includes('apps.prowlarr.indexers'))).toBe(true);
    expect(operatorSteps(single).some((s) => s.includes('apps.prowlarr.indexers'))).toBe(false);
  });
});
