export { renderKustomization, type K8sObject } from './render-kustomization.js';
export { schemaProblems } from './validate-object.js';
export { manifestProblems } from './manifest-rules.js';
export { canConnect, type Endpoint } from './network-reach.js';
