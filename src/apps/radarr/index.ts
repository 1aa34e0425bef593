import { libraryArrModule } from '../servarr/module.js';
import { radarrConfig } from './config.js';
import { RADARR } from './facts.js';
import { Radarr } from './radarr.js';

export const radarrModule = libraryArrModule({ folder: 'radarr', spec: RADARR, config: radarrConfig, construct: Radarr });
