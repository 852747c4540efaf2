import { api, Unauthorized } from './api.js';
import { el, replaceChildren, showError } from './dom.js';
import { count, enumName, time } from './format.js';

// Tenant search: one tenant's record and history by id (GetTenant, ListTenantEvents), or a list by
// blueprint, cluster and label (ListTenants) whose ids open their history.

export class TenantSearch {
  constructor({ idForm, listForm, results, detail, error, onUnauthorized }) {
    this.results = results;
    this.detail = detail;
    this.error = error;
    this.onUnauthorized = onUnauthorized;
    idForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.show(new FormData(idForm).get('id').trim());
    });
    listForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const form = new FormData(listForm);
      const query = new URLSearchParams();
      for (const name of ['blueprint', 'cluster', 'label']) {
        const value = String(form.get(name) ?? '').trim();
        if (value) query.set(name, value);
      }
      void this.list(query);
    });
  }

  async show(id) {
    showError(this.error, '');
    try {
      const { tenant, events } = await api(`/api/tenants/${encodeURIComponent(id)}`);
      const labels = Object.entries(tenant.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ') || '–';
      const facts = [
        ['blueprint', tenant.blueprint],
        ['cluster', tenant.clusterId],
        ['isolation', enumName(tenant.isolation, 'ISOLATION_')],
        ['where', tenant.schema ? `${tenant.database}.${tenant.schema}` : tenant.database],
        ['version', `v${count(tenant.version)}`],
        ['labels', labels],
        ['updated', time(tenant.updatedAt)],
      ];
      const rows = events.map((e) =>
        el(
          'tr',
          { dataset: { kind: e.kind } },
          el('td', {}, time(e.at)),
          el('td', { className: 'kind' }, e.kind),
          el('td', {}, e.rolloutId ?? ''),
          el('td', {}, `v${count(e.fromVersion)} → v${count(e.toVersion)}`),
          el('td', {}, count(e.stepsApplied)),
          el('td', {}, e.executorId ?? ''),
          el('td', { className: 'error-text' }, e.error ?? ''),
        ),
      );
      replaceChildren(
        this.detail,
        el('h3', { dataset: { tenantId: tenant.id } }, `Tenant ${tenant.id}`),
        el('dl', { className: 'facts' }, ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '–')])),
        el('h4', {}, 'History'),
        rows.length
          ? el('table', { className: 'history' }, el('thead', {}, el('tr', {}, ...['at', 'event', 'rollout', 'versions', 'steps', 'executor', 'error'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows))
          : el('p', { className: 'muted' }, 'No event yet.'),
      );
    } catch (error) {
      if (error instanceof Unauthorized) this.onUnauthorized();
      replaceChildren(this.detail);
      showError(this.error, `${id}: ${error.message}`);
    }
  }

  async list(query) {
    showError(this.error, '');
    try {
      const { tenants, total } = await api(`/api/tenants?${query}`);
      const rows = tenants.map((t) =>
        el(
          'tr',
          {},
          el('td', {}, el('a', { href: '#', on: { click: (event) => (event.preventDefault(), void this.show(t.id)) } }, t.id)),
          el('td', {}, t.blueprint),
          el('td', {}, t.clusterId),
          el('td', {}, `v${count(t.version)}`),
          el('td', {}, Object.entries(t.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')),
        ),
      );
      replaceChildren(
        this.results,
        el('p', { className: 'muted' }, `${count(total)} tenant(s)${tenants.length < count(total) ? `, the first ${tenants.length} shown` : ''}`),
        rows.length ? el('table', { className: 'tenants' }, el('thead', {}, el('tr', {}, ...['tenant', 'blueprint', 'cluster', 'version', 'labels'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows)) : null,
      );
    } catch (error) {
      if (error instanceof Unauthorized) this.onUnauthorized();
      replaceChildren(this.results);
      showError(this.error, error.message);
    }
  }
}
