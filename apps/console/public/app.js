import { consoleConfig, followEvents, storedToken, storeToken } from './api.js';
import { ClusterBoard } from './clusters.js';
import { showError } from './dom.js';
import { RolloutTable } from './rollouts.js';
import { TenantSearch } from './tenants.js';

// The page: asks for the API token when the console needs one, then follows /api/events and hands each
// event to the part of the page it is about.

const $ = (id) => document.getElementById(id);
const live = $('live');
const backendsLine = $('backends');
const tokenForm = $('token-form');
let stopEvents;

const setLive = (state, text) => {
  live.dataset.state = state;
  live.textContent = text;
};

const askForToken = (message) => {
  stopEvents?.();
  storeToken('');
  $('main').hidden = true;
  tokenForm.hidden = false;
  showError($('token-error'), message);
  setLive('signed-out', 'signed out');
  $('token-input').focus();
};

const rollouts = new RolloutTable({ body: $('rollouts').tBodies[0], empty: $('rollouts-empty'), detail: $('rollout-detail'), actionError: $('action-error'), onUnauthorized: () => askForToken('The token was refused.') });
const clusters = new ClusterBoard({ container: $('clusters'), empty: $('clusters-empty') });
new TenantSearch({ idForm: $('tenant-form'), listForm: $('tenant-search'), results: $('tenant-results'), detail: $('tenant-detail'), error: $('tenant-error'), onUnauthorized: () => askForToken('The token was refused.') });

const backendState = new Map();
const handlers = {
  snapshot: (data) => {
    rollouts.setAll(data.rollouts);
    clusters.setAll(data.clusters);
    clusters.setHistory(data.history);
  },
  rollouts: (views) => rollouts.setAll(views),
  progress: (view) => rollouts.update(view),
  clusters: (views) => clusters.setAll(views),
  sample: ({ clusterId, point }) => clusters.addPoint(clusterId, point),
  backend: ({ service, ok, message }) => {
    backendState.set(service, ok ? '' : `${service}: ${message}`);
    backendsLine.textContent = [...backendState.values()].filter(Boolean).join(' · ');
  },
};

const start = () => {
  tokenForm.hidden = true;
  $('main').hidden = false;
  stopEvents = followEvents(
    (name, data) => handlers[name]?.(data),
    (state) => {
      if (state === 'unauthorized') askForToken('The token was refused.');
      else setLive(state, state === 'live' ? 'live' : 'reconnecting…');
    },
  );
};

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  storeToken($('token-input').value);
  $('token-input').value = '';
  start();
});

const config = await consoleConfig();
if (config.auth && !storedToken()) askForToken('');
else start();
