import { APP_MODULES } from '../apps/registry.js';
import type { RunbookSection } from '../docs/index.js';

/**
 * The runbook sections the app modules contribute, in registry order, each once (the Servarr
 * modules all offer their shared login section). Collected here so the docs stage reads them as
 * input and never imports the apps (which import the docs' helpers).
 */
export function runbookSections(): RunbookSection[] {
  return [...new Set(APP_MODULES.flatMap((m) => m.runbook ?? []))];
}

/** The folders of the modules with a config slice, in registry order: the configuration reference documents them in this order. */
export function configModuleFolders(): string[] {
  return APP_MODULES.flatMap((m) => (m.config ? [m.folder] : []));
}
