export { buildImages, type BuildImagesOptions, type BuiltApp } from './build-images.js';
export { deployedApps, runtimeFiles, type DeployedApp } from './deployed-apps.js';
export { dockerfileProblems, type ImageInputs } from './dockerfile-problems.js';
export { imageUser } from './image-user.js';
