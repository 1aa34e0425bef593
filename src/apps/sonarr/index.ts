import { libraryArrModule } from '../servarr/module.js';
import { sonarrConfig } from './config.js';
import { SONARR } from './facts.js';
import { Sonarr } from './sonarr.js';

export const sonarrModule = libraryArrModule({ folder: 'sonarr', spec: SONARR, config: sonarrConfig, construct: Sonarr });
