import { libraryArrModule } from '../servarr/module.js';
import { radarrConfig } from './config.js';
import { RADARR, RADARR_FACTS } from './facts.js';
import { Radarr } from './radarr.js';

export const radarrModule = libraryArrModule({ folder: 'radarr', spec: RADARR, facts: RADARR_FACTS, config: radarrConfig, construct: Radarr });
