import { libraryArrModule } from '../servarr/module.js';
import { sonarrConfig } from './config.js';
import { SONARR, SONARR_FACTS } from './facts.js';
import { Sonarr } from './sonarr.js';

export const sonarrModule = libraryArrModule({ folder: 'sonarr', spec: SONARR, facts: SONARR_FACTS, config: sonarrConfig, construct: Sonarr });
