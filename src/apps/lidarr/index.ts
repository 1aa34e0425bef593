import { libraryArrModule } from '../servarr/module.js';
import { lidarrConfig } from './config.js';
import { LIDARR, LIDARR_FACTS } from './facts.js';
import { Lidarr } from './lidarr.js';

export const lidarrModule = libraryArrModule({ folder: 'lidarr', spec: LIDARR, facts: LIDARR_FACTS, config: lidarrConfig, construct: Lidarr });
