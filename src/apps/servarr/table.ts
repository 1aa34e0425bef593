import { LIDARR } from '../lidarr/facts.js';
import { PROWLARR } from '../prowlarr/facts.js';
import { RADARR } from '../radarr/facts.js';
import { SONARR } from '../sonarr/facts.js';
import type { ArrKindSpec } from './kinds.js';

/** The Servarr kinds, one row each from its own folder (a new kind = its facts.ts and a line here). */
export const ARR_KINDS: readonly ArrKindSpec[] = [SONARR, RADARR, PROWLARR, LIDARR];
