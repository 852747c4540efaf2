export { buildImages, type BuildImagesOptions, type BuiltApp } from './build-images.js';
export { deployedApps, runtimeFiles, type DeployedApp } from './deployed-apps.js';
