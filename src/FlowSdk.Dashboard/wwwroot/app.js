// The FlowSdk dashboard: plain JavaScript over the JSON API (docs/dashboard.md), live through server-sent events.
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!response.ok) throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  return body;
}

let session = { readOnly: true, signedIn: false };

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (session.antiforgeryToken) headers[session.antiforgeryHeader] = session.antiforgeryToken;
  return api(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body || {}) });
}

function notice(text, ok) {
  const box = $('#notice');
  box.replaceChildren(el('div', { class: ok ? 'ok' : 'error', id: ok ? 'notice-ok' : 'notice-error' }, text));
}

async function loadSession() {
  session = await api('/api/session');
  showSession();
}

function showSession() {
  const form = $('#session');
  form.replaceChildren();
  if (session.readOnly) {
    form.append(el('span', { id: 'session-state' }, 'Read-only: no token configured'));
  } else if (session.signedIn) {
    form.append(el('span', { id: 'session-state' }, 'Signed in: controls enabled'));
  } else {
    const input = el('input', { type: 'password', id: 'token', placeholder: 'dashboard token', autocomplete: 'off' });
    form.append(el('span', { id: 'session-state' }, 'Controls need the token'), input, el('button', { type: 'submit', id: 'sign-in' }, 'Sign in'));
    form.onsubmit = async (e) => {
      e.preventDefault();
      try {
        await api('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: input.value }) });
        // The view is drawn again with its controls enabled before the header says so: what is typed
        // into the view once it says "signed in" is not wiped by that redraw.
        session = await api('/api/session');
        await route();
        showSession();
        notice('Signed in.', true);
      } catch (err) { notice(err.message, false); }
    };
  }
}

// A confirmation for every state-changing action; resolves to the reason typed, or null when declined.
// Without a reason field where nothing records one (a deployment record keeps who and when, not why).
function confirmAction(text, withReason = true) {
  const dialog = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-reason').value = '';
  $('#confirm-reason-label').hidden = !withReason;
  return new Promise((resolve) => {
    dialog.onclose = () => resolve(dialog.returnValue === 'ok' ? $('#confirm-reason').value : null);
    dialog.showModal();
  });
}

function controlButtons(controls, path, what, idPrefix = 'control', withReason = true) {
  const box = el('div', { class: 'controls' });
  for (const c of controls) {
    const reason = !session.signedIn ? (session.readOnly ? 'read-only: no token configured' : 'sign in with the token first') : c.reason;
    const enabled = c.enabled && session.signedIn;
    const button = el('button', { id: `${idPrefix}-${c.verb}`, 'data-verb': c.verb, disabled: !enabled, title: enabled ? '' : reason }, c.label);
    button.onclick = async () => {
      const why = await confirmAction(`${c.label} ${what}?`, withReason);
      if (why === null) return;
      try {
        const result = await post(`${path}/${encodeURIComponent(c.verb)}`, withReason ? { reason: why || null } : {});
        notice(result.result, true);
        route();
      } catch (err) { notice(err.message, false); }
    };
    box.append(button);
    if (!enabled && reason && session.signedIn) box.append(el('span', { class: 'reason', id: `${idPrefix}-${c.verb}-reason` }, reason));
  }
  // Signed out, every verb is disabled for the same reason: said once.
  if (!session.signedIn && controls.length) box.append(el('span', { class: 'reason', id: `${idPrefix}-session-reason` }, session.readOnly ? 'read-only: no token configured' : 'sign in with the token first'));
  return box;
}

// ---- live updates -------------------------------------------------------------------------------
// Each view is drawn into an element of its own, whose `on` holds its event handlers (`execution`,
// `deployment`); it is shown only if no newer route began meanwhile, so a slow view never replaces a
// newer one. While the newest view loads, the events that arrive are kept in `missed` and handed to it
// once it is shown: a change committed after the server answered the view's request would otherwise
// never reach the page.
let shown = null;
let routes = 0;
let missed = null;
function deliver(kind, data) {
  if (missed) missed.push([kind, data]);
  else if (shown && shown.on[kind]) shown.on[kind](data);
}
function connectEvents() {
  const source = new EventSource('/api/events');
  source.addEventListener('ready', () => { $('#live').textContent = 'live'; $('#live').classList.add('on'); });
  source.addEventListener('execution', (e) => deliver('execution', JSON.parse(e.data)));
  source.addEventListener('deployment', (e) => deliver('deployment', JSON.parse(e.data)));
  source.onerror = () => { $('#live').textContent = 'reconnecting…'; $('#live').classList.remove('on'); };
}

function debounce(fn, ms) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

// ---- flows --------------------------------------------------------------------------------------
function drawGraph(flow) {
  const phases = flow.phases.map((p) => p.name);
  const w = 130, h = 40, gap = 60, top = 70;
  const width = Math.max(300, phases.length * (w + gap) + gap);
  const edges = [];
  for (const rule of flow.rules) {
    if (rule.trigger === 'Message') continue;
    const froms = rule.from ? [rule.from] : flow.phases.filter((p) => !p.terminal).map((p) => p.name);
    for (const from of froms) edges.push({ from, to: rule.to || from, rule: rule.name });
  }
  const height = top + h + 90;
  const root = svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `graph of flow ${flow.id}`, 'data-flow': flow.id });
  const defs = svg('defs');
  const marker = svg('marker', { id: `arrow-${flow.id}`, viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#94a3b8' }));
  defs.append(marker);
  root.append(defs);
  const x = (name) => gap + phases.indexOf(name) * (w + gap);
  const seen = {};
  for (const e of edges) {
    const i = phases.indexOf(e.from), j = phases.indexOf(e.to);
    if (i < 0 || j < 0) continue;
    const key = `${e.from}>${e.to}`;
    const n = (seen[key] = (seen[key] || 0) + 1) - 1;
    let d, lx, ly;
    if (i === j) {
      const cx = x(e.from) + w / 2;
      d = `M${cx - 20},${top} C${cx - 30},${top - 45 - n * 12} ${cx + 30},${top - 45 - n * 12} ${cx + 20},${top}`;
      lx = cx; ly = top - 40 - n * 12;
    } else if (j > i) {
      const x1 = x(e.from) + w, x2 = x(e.to), lift = (j - i - 1) * 28 + n * 14;
      d = `M${x1},${top + h / 2 - 6} C${x1 + 30},${top - lift} ${x2 - 30},${top - lift} ${x2},${top + h / 2 - 6}`;
      lx = (x1 + x2) / 2; ly = top + h / 2 - 12 - lift * 0.75;
    } else {
      const x1 = x(e.from) + w / 2, x2 = x(e.to) + w / 2, drop = 40 + (i - j) * 10 + n * 14;
      d = `M${x1},${top + h} C${x1},${top + h + drop} ${x2},${top + h + drop} ${x2},${top + h}`;
      lx = (x1 + x2) / 2; ly = top + h + drop * 0.75 + 4;
    }
    root.append(svg('path', { d, 'marker-end': `url(#arrow-${flow.id})`, 'data-rule': e.rule }));
    root.append(svg('text', { x: lx, y: ly, 'text-anchor': 'middle', class: 'rule' }, e.rule));
  }
  for (const p of flow.phases) {
    const g = svg('g', { class: `phase${p.terminal ? ' terminal' : ''}${p.initial ? ' initial' : ''}`, 'data-phase': p.name });
    g.append(svg('rect', { x: x(p.name), y: top, width: w, height: h, rx: 8 }));
    g.append(svg('text', { x: x(p.name) + w / 2, y: top + h / 2 + 4, 'text-anchor': 'middle' }, p.name));
    root.append(g);
  }
  return root;
}

function progressBadges(progress, flowId) {
  const entries = Object.entries(progress);
  const box = el('div', { class: 'progress', id: `progress-${flowId}` });
  if (entries.length === 0) box.append(el('span', { class: 'muted' }, 'no executions'));
  for (const [status, count] of entries) {
    box.append(el('a', { class: `badge ${status}`, href: `#/executions?flow=${encodeURIComponent(flowId)}&status=${status}`, 'data-status': status }, `${status} ${count}`));
  }
  return box;
}

// A flow's deployment: its state, the deployed version against this host's, who changed it when, and the flow verbs.
function deploymentBox(d) {
  const version = d.version === null ? '' : ` · version ${d.version}${d.versionMatches ? ' (this host\'s)' : ` (this host has ${d.localVersion}: it does not run the flow)`}`;
  const changed = d.changedBy ? ` · ${d.lastAction ? d.lastAction.toLowerCase() : 'created'} by ${d.changedBy} at ${when(d.changedAt)}` : '';
  return el('div', { class: 'deployment', id: `deployment-${d.flow}`, 'data-state': d.state },
    el('span', { class: `badge ${d.state}`, id: `deployment-state-${d.flow}` }, d.state),
    el('span', { class: 'muted' }, version, changed),
    d.error ? el('p', { class: 'error' }, d.error) : null,
    controlButtons(d.controls, `/api/flows/${encodeURIComponent(d.flow)}`, `flow ${d.flow}`, `flow-${d.flow}`, false));
}

async function renderFlows(view) {
  const data = await api('/api/flows');
  const cards = [];
  for (const flow of data.flows) {
    const graph = data.graph.flows.find((g) => g.id === flow.id);
    const messageRules = graph.rules.filter((r) => r.trigger === 'Message');
    const ports = el('div', { class: 'ports' }, el('h3', {}, 'Input ports'));
    for (const port of flow.ports) {
      const text = el('textarea', { 'data-port': port.subject, 'aria-label': `message for ${port.subject}` });
      text.value = port.example;
      const send = el('button', { 'data-send': port.subject, disabled: !session.signedIn, title: session.signedIn ? '' : 'sign in with the token first' }, `Send ${port.messageType}`);
      send.onclick = async () => {
        if ((await confirmAction(`Send ${port.messageType} on ${port.subject}?`)) === null) return;
        try {
          const sent = await post(`/api/ports/${encodeURIComponent(port.subject)}/messages`, text.value);
          notice(`Sent ${sent.messageType} on ${sent.subject}.`, true);
        } catch (err) { notice(err.message, false); }
      };
      ports.append(el('div', {}, el('code', {}, port.subject), ` (${port.messageType})`, text, send));
    }
    const links = data.graph.links.filter((l) => l.from === flow.id || l.to === flow.id);
    cards.push(el('section', { class: 'card flow', 'data-flow': flow.id },
      el('h2', {}, flow.id),
      deploymentBox(flow.deployment),
      progressBadges(flow.progress, flow.id),
      drawGraph(graph),
      messageRules.length ? el('p', { class: 'muted' }, 'Message-only rules: ', messageRules.map((r) => `${r.name} (on ${r.source})`).join(', ')) : null,
      links.length ? el('p', { class: 'muted' }, 'Links: ', links.map((l) => `${l.from} → ${l.to} on ${l.subject}`).join(', ')) : null,
      ports));
  }
  view.replaceChildren(...cards);
  const refresh = debounce(async () => {
    const fresh = await api('/api/flows');
    for (const flow of fresh.flows) {
      const old = $(`#progress-${CSS.escape(flow.id)}`);
      if (old) old.replaceWith(progressBadges(flow.progress, flow.id));
    }
  }, 300);
  view.on.execution = () => refresh();
  view.on.deployment = (d) => {
    const old = $(`#deployment-${CSS.escape(d.flow)}`);
    if (old) old.replaceWith(deploymentBox(d));
  };
}

// ---- executions ---------------------------------------------------------------------------------
let flowsCache = null;
async function flowsData() { return flowsCache || (flowsCache = await api('/api/flows')); }

function executionRow(e) {
  return el('tr', { 'data-key': `${e.flow}/${e.id}` },
    el('td', {}, e.flow),
    el('td', {}, el('a', { href: `#/execution/${encodeURIComponent(e.flow)}/${encodeURIComponent(e.id)}` }, e.id)),
    el('td', {}, el('span', { class: `badge ${e.status}` }, e.status)),
    el('td', {}, e.phase),
    el('td', {}, e.iteration),
    el('td', {}, new Date(e.updatedAt).toLocaleString()));
}

async function renderExecutions(view, params) {
  const data = await flowsData();
  const limit = 50;
  const offset = Number(params.get('offset') || 0);
  const filter = {};
  for (const k of ['flow', 'status', 'phase', 'q']) if (params.get(k)) filter[k] = params.get(k);
  const query = new URLSearchParams({ ...filter, offset, limit });
  const page = await api(`/api/executions?${query}`);

  const select = (name, options, value) => el('select', { name, id: `filter-${name}` }, el('option', { value: '' }, 'any'), options.map((o) => el('option', { value: o, selected: o === value }, o)));
  const form = el('form', { class: 'filters', id: 'filters' },
    el('label', {}, 'Flow', select('flow', data.flows.map((f) => f.id), filter.flow)),
    el('label', {}, 'Status', select('status', data.statuses, filter.status)),
    el('label', {}, 'Phase', select('phase', [...new Set(data.flows.flatMap((f) => f.phases))], filter.phase)),
    el('label', {}, 'Id contains', el('input', { name: 'q', id: 'filter-q', value: filter.q || '' })),
    el('button', { type: 'submit' }, 'Filter'));
  form.onsubmit = (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) next.set(k, v);
    location.hash = `#/executions?${next}`;
  };
  const body = el('tbody', { id: 'executions' }, page.items.map(executionRow));
  const table = el('table', {}, el('thead', {}, el('tr', {}, ['Flow', 'Execution', 'Status', 'Phase', 'Iteration', 'Updated'].map((h) => el('th', {}, h)))), body);
  const go = (to) => { const next = new URLSearchParams(params); next.set('offset', to); location.hash = `#/executions?${next}`; };
  const pager = el('div', { class: 'pager' },
    el('button', { id: 'prev', disabled: offset === 0, onclick: () => go(Math.max(0, offset - limit)) }, '‹ Newer'),
    el('span', { id: 'page-info' }, page.total === 0 ? 'No executions' : `${offset + 1}–${offset + page.items.length} of ${page.total}`),
    el('button', { id: 'next', disabled: offset + limit >= page.total, onclick: () => go(offset + limit) }, 'Older ›'));
  view.replaceChildren(form, pager, table);

  const reload = debounce(() => route(), 250);
  view.on.execution = (e) => {
    const row = body.querySelector(`tr[data-key="${CSS.escape(`${e.flow}/${e.id}`)}"]`);
    const matches = (!filter.flow || filter.flow === e.flow) && (!filter.status || filter.status === e.status)
      && (!filter.phase || filter.phase === e.phase) && (!filter.q || e.id.toLowerCase().includes(filter.q.toLowerCase()));
    if (row && matches) {
      const fresh = executionRow(e);
      fresh.classList.add('flash');
      row.replaceWith(fresh);
    } else if (row || (matches && offset === 0)) {
      reload();
    }
  };
}

// ---- approvals ----------------------------------------------------------------------------------
async function renderApprovals(view) {
  const data = await api('/api/approvals');
  const rows = data.approvals.map((a) => el('tr', { 'data-key': `${a.flow}/${a.executionId}` },
    el('td', {}, a.flow),
    el('td', {}, el('a', { href: `#/execution/${encodeURIComponent(a.flow)}/${encodeURIComponent(a.executionId)}` }, a.executionId)),
    el('td', {}, a.rule),
    el('td', {}, a.requestId),
    el('td', {}, when(a.requestedAt)),
    el('td', {}, a.expiresAt ? when(a.expiresAt) : 'never')));
  view.replaceChildren(el('section', { class: 'card' },
    el('h2', {}, 'Approvals waiting for a decision'),
    rows.length
      ? el('table', { id: 'approvals' }, el('thead', {}, el('tr', {}, ['Flow', 'Execution', 'Rule', 'Request', 'Requested', 'Expires'].map((h) => el('th', {}, h)))), el('tbody', {}, rows))
      : el('p', { class: 'muted', id: 'approvals' }, 'No approval requests wait for a decision.')));
  const reload = debounce(() => route(), 250);
  view.on.execution = (e) => { if (e.approval || view.querySelector(`tr[data-key="${CSS.escape(`${e.flow}/${e.id}`)}"]`)) reload(); };
}

// ---- one execution ------------------------------------------------------------------------------
function when(t) { return t ? new Date(t).toISOString() : 'none'; }

function decisionText(d) {
  return `${d.approved ? 'approved' : 'rejected'} by ${d.by} at ${when(d.at)}${d.reason ? ` (${d.reason})` : ''}`;
}

function approvalText(a) {
  if (!a) return 'none';
  const base = `rule ${a.rule} (request ${a.requestId}), requested ${when(a.requestedAt)}, expires ${a.expiresAt ? when(a.expiresAt) : 'never'}`;
  return a.decision ? `${base}; ${decisionText(a.decision)}, waiting for a host to apply it` : base;
}

async function renderExecution(view, flow, id) {
  const e = await api(`/api/executions/${encodeURIComponent(flow)}/${encodeURIComponent(id)}`);
  const bookkeeping = (e.state && e.state.$execution) || {};
  // The bookkeeping's keys are PascalCase; stores written by earlier versions hold camelCase ones.
  const outbox = bookkeeping.Outbox || bookkeeping.outbox || [];
  const facts = el('dl', { class: 'facts', id: 'facts' },
    el('dt', {}, 'Status'), el('dd', { id: 'status' }, el('span', { class: `badge ${e.status}` }, e.status), e.statusReason ? ` — ${e.statusReason}` : ''),
    el('dt', {}, 'Phase'), el('dd', { id: 'phase' }, e.phase),
    el('dt', {}, 'Iteration'), el('dd', {}, e.iteration),
    el('dt', {}, 'Created'), el('dd', {}, when(e.createdAt)),
    el('dt', {}, 'Updated'), el('dd', {}, when(e.updatedAt)),
    el('dt', {}, 'Deadline'), el('dd', {}, when(e.deadline)),
    el('dt', {}, 'Pending reply'), el('dd', { id: 'pending' }, e.pendingTaskId ? `task ${e.pendingTaskId} since ${when(e.pendingSince)}` : 'none'),
    el('dt', {}, 'Pending approval'), el('dd', { id: 'approval' }, approvalText(e.approval)),
    e.lastApproval ? el('dt', {}, 'Last approval') : null,
    e.lastApproval ? el('dd', { id: 'last-approval' }, `${e.lastApproval.rule} (request ${e.lastApproval.requestId}): ${decisionText(e.lastApproval)}`) : null,
    el('dt', {}, 'Revision'), el('dd', {}, e.revision));
  const timeline = el('table', { id: 'timeline' },
    el('thead', {}, el('tr', {}, ['At', '#', 'Rule', 'Trigger', 'Source', 'Action', 'Phase'].map((h) => el('th', {}, h)))),
    el('tbody', {}, e.timeline.map((t) => el('tr', {},
      el('td', {}, when(t.at)), el('td', {}, t.iteration), el('td', { class: 'rule' }, t.rule), el('td', {}, t.trigger),
      el('td', {}, t.source), el('td', {}, t.action), el('td', {}, `${t.phaseBefore} → ${t.phaseAfter}`)))));
  const outboxView = outbox.length
    ? el('pre', { id: 'outbox' }, JSON.stringify(outbox, null, 2))
    : el('p', { class: 'muted', id: 'outbox' }, 'empty: every message of the last change is published');
  view.replaceChildren(
    el('section', { class: 'card' },
      el('h2', {}, `Execution ${e.id}`, el('span', { class: 'muted' }, ` of flow ${e.flow}`)),
      facts,
      e.controls.length ? controlButtons(e.controls, `/api/executions/${encodeURIComponent(e.flow)}/${encodeURIComponent(e.id)}`, `execution ${e.id} of flow ${e.flow}`)
        : el('p', { class: 'muted' }, 'This runtime has no execution controls.')),
    el('section', { class: 'card' }, el('h2', {}, 'Timeline'),
      e.droppedTimelineEntries > 0
        ? el('p', { class: 'muted', id: 'timeline-dropped' }, `${e.droppedTimelineEntries} earlier entries not kept (the first at ${when(e.firstTimelineEntryAt)})`)
        : null,
      e.timeline.length ? timeline : el('p', { class: 'muted' }, 'No rule fired yet.')),
    el('section', { class: 'card' }, el('h2', {}, 'Outbox'), outboxView),
    el('section', { class: 'card' }, el('h2', {}, 'State'), el('pre', { id: 'state' }, JSON.stringify(e.state, null, 2))));
  const reload = debounce(() => route(), 200);
  view.on.execution = (changed) => { if (changed.flow === e.flow && changed.id === e.id) reload(); };
}

// ---- routing ------------------------------------------------------------------------------------
async function route() {
  const route = ++routes;
  const hash = location.hash || '#/flows';
  const [path, search] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  const view = el('div', {});
  view.on = {};
  const seen = [];
  missed = seen;
  try {
    if (parts[0] === 'executions') await renderExecutions(view, new URLSearchParams(search || ''));
    else if (parts[0] === 'approvals') await renderApprovals(view);
    else if (parts[0] === 'execution' && parts.length >= 3) await renderExecution(view, parts[1], parts.slice(2).join('/'));
    else await renderFlows(view);
  } catch (err) {
    view.replaceChildren(el('p', { class: 'error', id: 'view-error' }, err.message));
  }

  // A newer route began meanwhile: it shows its own view and keeps the events for it.
  if (route !== routes) return;
  $('#view').replaceChildren(view);
  shown = view;
  missed = null;
  for (const [kind, data] of seen) deliver(kind, data);
}

window.addEventListener('hashchange', () => { $('#notice').replaceChildren(); route(); });
window.addEventListener('DOMContentLoaded', async () => {
  try { await loadSession(); } catch (err) { notice(err.message, false); }
  connectEvents();
  await route();
});
