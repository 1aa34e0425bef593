/**
 * The stock cdk8s entry point (`npx cdk8s synth`, see cdk8s.yaml): the same MediaStack chart,
 * written by cdk8s's own writer. It exists for the benchmark; it writes no Flux tree, no
 * kustomization.yaml files and no Secrets.
 */
import { App, YamlOutputType } from 'cdk8s';
import { MediaStack } from './apps/stack.js';
import { loadConfig } from './stack-config.js';

const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? '.cdk8s-out', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
new MediaStack(app, 'media-stack', await loadConfig(process.env.MEDIA_STACK_CONFIG));
app.synth();
