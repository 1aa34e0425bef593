import { libraryArrModule } from '../servarr/module.js';
import { lidarrConfig } from './config.js';
import { LIDARR } from './facts.js';
import { Lidarr } from './lidarr.js';

export const lidarrModule = libraryArrModule({ folder: 'lidarr', spec: LIDARR, config: lidarrConfig, construct: Lidarr });
