import { api, Unauthorized } from './api.js';
import { el, replaceChildren, showError } from './dom.js';
import { count, enumName, rate, seconds, time } from './format.js';

// The rollouts table: one row per rollout, updated in place as progress arrives, with the actions the
// scheduler offers (pause, resume, cancel, retry failed) enabled by state; a row's details list its
// failed tenants with their error codes and errors.

const actions = [
  { name: 'pause', label: 'Pause', when: ['RUNNING'] },
  { name: 'resume', label: 'Resume', when: ['PAUSED', 'HALTED'] },
  { name: 'cancel', label: 'Cancel', when: ['PENDING', 'RUNNING', 'PAUSED', 'HALTED'] },
  { name: 'retry', label: 'Retry failed', when: ['RUNNING', 'PAUSED', 'HALTED', 'FAILED'] },
];

export class RolloutTable {
  constructor({ body, empty, detail, actionError, onUnauthorized }) {
    this.body = body;
    this.empty = empty;
    this.detail = detail;
    this.actionError = actionError;
    this.onUnauthorized = onUnauthorized;
    this.rows = new Map();
    this.selected = undefined;
  }

  /** The whole list (newest first): rows are added, moved and removed; existing ones updated in place. */
  setAll(views) {
    const ids = new Set(views.map((view) => view.rollout.id));
    for (const [id, row] of this.rows) if (!ids.has(id)) (row.tr.remove(), this.rows.delete(id));
    let previous = null;
    for (const view of views) {
      const row = this.rowFor(view.rollout.id);
      this.fill(row, view);
      const expected = previous ? previous.nextSibling : this.body.firstChild;
      if (expected !== row.tr) this.body.insertBefore(row.tr, expected);
      previous = row.tr;
    }
    this.empty.hidden = this.rows.size > 0;
  }

  /** One rollout's update (a new one goes on top). */
  update(view) {
    const known = this.rows.has(view.rollout.id);
    const row = this.rowFor(view.rollout.id);
    this.fill(row, view);
    if (!known) this.body.prepend(row.tr);
    this.empty.hidden = true;
    if (this.selected === view.rollout.id) void this.showDetail(view.rollout.id);
  }

  rowFor(id) {
    let row = this.rows.get(id);
    if (row) return row;
    const cells = {};
    for (const name of ['id', 'blueprint', 'state', 'progress', 'tenants', 'rate', 'eta', 'actions', 'notes']) cells[name] = el('td', { className: name });
    // Throttled clusters and paces, then why the rollout halted or failed: one column that wraps.
    cells.clusters = el('span', { className: 'clusters' });
    cells.reason = el('span', { className: 'reason' });
    cells.notes.append(cells.clusters, cells.reason);
    const bar = el('span', { className: 'bar' });
    const percent = el('span', { className: 'percent' });
    cells.progress.append(el('span', { className: 'track' }, bar), percent);
    const buttons = new Map(
      actions.map((action) => [
        action.name,
        el('button', { type: 'button', className: `action ${action.name}`, on: { click: () => this.act(id, action.name) } }, action.label),
      ]),
    );
    cells.actions.append(...buttons.values());
    cells.id.append(el('a', { href: '#', on: { click: (event) => (event.preventDefault(), void this.showDetail(id)) } }, id));
    const tr = el('tr', { dataset: { rolloutId: id } }, ...['id', 'blueprint', 'state', 'progress', 'tenants', 'rate', 'eta', 'actions', 'notes'].map((name) => cells[name]));
    row = { tr, cells, bar, percent, buttons };
    this.rows.set(id, row);
    return row;
  }

  fill(row, view) {
    const r = view.rollout;
    const state = enumName(r.state, 'ROLLOUT_STATE_');
    const c = r.counts ?? {};
    row.tr.dataset.rolloutState = state;
    row.cells.blueprint.textContent = `${r.blueprint} → v${r.version ?? 0}${r.dryRun ? ' (dry run)' : ''}`;
    row.cells.state.textContent = state;
    row.cells.state.dataset.state = state;
    row.bar.style.width = `${view.progressPercent}%`;
    row.percent.textContent = `${view.progressPercent} %`;
    const cancelled = count(c.cancelled) ? ` · ${count(c.cancelled)} cancelled` : '';
    row.cells.tenants.textContent = `${count(c.succeeded)} ok · ${count(c.failed)} failed · ${count(c.skipped)} skipped${cancelled} / ${count(c.total)}`;
    row.cells.tenants.dataset.failed = String(count(c.failed));
    row.cells.rate.textContent = rate(view.tenantsPerSecond);
    row.cells.eta.textContent = seconds(view.etaSeconds);
    const throttles = (r.throttles ?? []).map((t) => `${t.clusterId} ${enumName(t.level, 'THROTTLE_LEVEL_')}${t.signal ? ` (${t.signal})` : ''}`);
    const paces = (r.paces ?? []).map((p) => `${p.clusterId} pace ${p.pace ?? 0}`);
    row.cells.clusters.textContent = [...throttles, ...paces].join(', ');
    row.cells.reason.textContent = r.haltReason ?? '';
    for (const action of actions) row.buttons.get(action.name).disabled = !action.when.includes(state) || (action.name === 'retry' && count(c.failed) === 0);
    row.tr.title = `created ${time(r.createdAt)}${r.startedAt ? `, started ${time(r.startedAt)}` : ''}${r.finishedAt ? `, finished ${time(r.finishedAt)}` : ''}`;
  }

  async act(id, action) {
    showError(this.actionError, '');
    const row = this.rows.get(id);
    for (const button of row.buttons.values()) button.disabled = true;
    try {
      const view = await api(`/api/rollouts/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
      this.update(view);
    } catch (error) {
      if (error instanceof Unauthorized) this.onUnauthorized();
      showError(this.actionError, `${action} ${id}: ${error.message}`);
    }
  }

  async showDetail(id) {
    this.selected = id;
    this.detail.hidden = false;
    try {
      const tenants = await api(`/api/rollouts/${encodeURIComponent(id)}/tenants?state=failed`);
      const rows = tenants.map((t) =>
        el('tr', {}, el('td', {}, t.tenantId), el('td', {}, t.clusterId ?? ''), el('td', {}, t.errorCode ?? ''), el('td', { className: 'error-text' }, t.error ?? ''), el('td', {}, count(t.attempts))),
      );
      replaceChildren(
        this.detail,
        el('h3', {}, `Failed tenants of ${id}`),
        rows.length
          ? el('table', { className: 'failed' }, el('thead', {}, el('tr', {}, ...['tenant', 'cluster', 'code', 'error', 'attempts'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows))
          : el('p', { className: 'muted' }, 'No tenant failed.'),
      );
    } catch (error) {
      replaceChildren(this.detail, el('p', { className: 'error' }, `${id}: ${error.message}`));
    }
  }
}
