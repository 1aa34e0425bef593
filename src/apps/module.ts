import type { Construct } from 'constructs';
import type { AppConfigSlice } from '../config/apps.js';
import type { AppsConfig, StackConfig } from '../config/types.js';
import type { AppFacts } from '../gates/behaviour-facts.js';
import type { Component } from '../lib/component.js';

/**
 * Handles of what the modules built so far, for the modules after them in the registry (a
 * module reads its siblings here, never their config). Each module adds the handles it offers
 * to this interface (`declare module '../module.js'`), all optional: a disabled app offers none.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StackParts {}

/** What a module's `build` gets: where to create its components, the config and its siblings. */
export interface StackBuilder {
  /** The chart the components are created in. */
  readonly scope: Construct;
  /** The whole config: only modules read it (their constructs get props). */
  readonly config: StackConfig;
  /** Handles of the modules built before this one. */
  readonly parts: StackParts;
  /** Registers a component (in creation order, which is the phase order). */
  add<T extends Component>(component: T): T;
}

/**
 * One app (or piece of shared infrastructure): its config slice and how the stack builds it.
 * The registry (src/apps/registry.ts) lists the modules in phase order.
 */
export interface AppModule<K extends keyof AppsConfig = keyof AppsConfig> {
  /** Its folder under src/apps (its config.ts holds the documented config type). */
  readonly folder: string;
  /** The app's field under `apps`, if it has one. @default - no config of its own */
  readonly config?: AppConfigSlice<K>;
  /**
   * What the behaviour gate checks the app's containers against: the user its images run as, the
   * paths it writes, what it waits for (its facts.ts). @default - none (its entries are still in src/gates/behaviour-facts.ts)
   */
  readonly facts?: AppFacts;
  /** Creates the app's components (nothing when disabled) and publishes its handles in `parts`. */
  build(stack: StackBuilder): void;
}

/** Identity helper that keeps a module's config key literal (for the registry's type check). */
export function defineAppModule<K extends keyof AppsConfig = never>(module: AppModule<K>): AppModule<K> {
  return module;
}
