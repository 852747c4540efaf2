import uPlot from '/vendor/uplot/uPlot.esm.js';
import { el, replaceChildren } from './dom.js';
import { enumName, seconds, time } from './format.js';

// One card per cluster: its throttle state and why, the pace and why, and a chart of CPU and pace over
// time (one point per monitor sample or heartbeat) with the throttled stretches shaded.

const maxPoints = 900;

export class ClusterBoard {
  constructor({ container, empty }) {
    this.container = container;
    this.empty = empty;
    this.cards = new Map();
    this.points = new Map();
    addEventListener('resize', () => {
      for (const card of this.cards.values()) card.plot.setSize(this.chartSize(card));
    });
  }

  /** Every cluster's history at once (the snapshot a page gets when it connects). */
  setHistory(history) {
    for (const [id, points] of Object.entries(history ?? {})) {
      this.points.set(id, points.slice(-maxPoints));
      this.redraw(id);
    }
  }

  setAll(views) {
    const ids = new Set(views.map((view) => view.id));
    for (const [id, card] of this.cards) if (!ids.has(id)) (card.root.remove(), card.plot.destroy(), this.cards.delete(id));
    for (const view of views) this.fill(this.cardFor(view.id), view);
    this.empty.hidden = this.cards.size > 0;
  }

  addPoint(clusterId, point) {
    const points = this.points.get(clusterId) ?? [];
    points.push(point);
    if (points.length > maxPoints) points.splice(0, points.length - maxPoints);
    this.points.set(clusterId, points);
    this.redraw(clusterId);
  }

  cardFor(id) {
    let card = this.cards.get(id);
    if (card) return card;
    const level = el('span', { className: 'level' });
    const facts = el('dl', { className: 'facts' });
    const chart = el('div', { className: 'chart' });
    const root = el('article', { className: 'cluster', dataset: { clusterId: id } }, el('h3', {}, id, ' ', level), facts, chart);
    this.container.append(root);
    card = { root, level, facts, chart };
    card.plot = new uPlot(this.options(card), [[], [], [], []], chart);
    this.cards.set(id, card);
    this.redraw(id);
    return card;
  }

  chartSize(card) {
    return { width: Math.max(320, (card.root.clientWidth || 480) - 24), height: 180 };
  }

  options(card) {
    return {
      ...this.chartSize(card),
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, cpu: { range: [0, 100] }, pace: { range: (u, min, max) => [0, Math.max(4, max + 1)] } },
      axes: [
        {},
        { scale: 'cpu', label: 'CPU %', values: (u, ticks) => ticks.map((v) => `${v}%`) },
        { scale: 'pace', label: 'pace', side: 1, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'throttled', scale: 'cpu', stroke: 'rgba(214, 69, 65, 0.0)', fill: 'rgba(214, 69, 65, 0.18)', paths: uPlot.paths.stepped({ align: 1 }), points: { show: false }, value: (u, v) => (v ? 'yes' : 'no') },
        { label: 'CPU', scale: 'cpu', stroke: '#2a6fdb', width: 2, value: (u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)}%`) },
        { label: 'pace', scale: 'pace', stroke: '#1b9e5a', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
      ],
    };
  }

  redraw(id) {
    const card = this.cards.get(id);
    if (!card) return;
    const points = this.points.get(id) ?? [];
    card.root.dataset.points = String(points.length);
    card.plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => (p.level && p.level !== 'THROTTLE_LEVEL_OK' ? 100 : 0)),
      points.map((p) => p.cpu),
      points.map((p) => p.pace),
    ]);
  }

  fill(card, view) {
    const health = view.health ?? {};
    const cluster = view.cluster ?? {};
    const level = enumName(health.level, 'THROTTLE_LEVEL_');
    card.level.textContent = level;
    card.level.dataset.level = level;
    const manual = health.manual && health.manual.mode ? `${enumName(health.manual.mode, 'MANUAL_THROTTLE_MODE_')}${health.manual.reason ? `: ${health.manual.reason}` : ''}${health.manual.expiresAt ? ` until ${time(health.manual.expiresAt)}` : ''}` : 'none';
    const cpu = (health.signals ?? []).find((s) => s.name === 'cpu_percent');
    const facts = [
      ['endpoint', cluster.host ? `${cluster.host}:${cluster.port ?? ''}` : '–'],
      ['reason', health.reason || '–'],
      ['manual override', manual],
      ['CPU', cpu && cpu.available ? `${Number(cpu.value ?? 0).toFixed(1)}% (throttle at ${cpu.threshold ?? 0}%)` : `– (source ${health.cpuSource || 'none'})`],
      ['pace', `${health.pace ?? 0}${health.paceReason ? ` — ${health.paceReason}` : ''}`],
      ['level since', time(health.levelSince)],
      ['throttled in total', seconds(health.throttledSecondsTotal)],
      ['connection budget', String(cluster.connectionBudget ?? '–')],
    ];
    replaceChildren(card.facts, ...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  }
}
