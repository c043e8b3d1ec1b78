/*
 * The live view: a sequence diagram with one lane per participant, a phase
 * timeline and one card per participant, built from the events the view
 * server pushes over a WebSocket. On (re)connect the server sends its whole
 * history, so a reload shows the same state. Plain browser JavaScript.
 */
(() => {
  const params = new URLSearchParams(window.location.search);
  let lang = params.get('lang') === 'en' ? 'en' : 'zh';
  let labels = {};
  let history = [];
  let stepState = null;
  let socket = null;
  let retryTimer = null;
  let model;

  const PHASE_COLOURS = {
    join: '#5c636a',
    align: '#0b7285',
    keys: '#5f3dc4',
    query: '#b35c00',
    encrypt: '#1c5fd4',
    aggregate: '#2b8a3e',
    decrypt: '#c2255c',
    reasons: '#5c940d',
    train: '#d9480f',
  };
  const $ = (id) => document.getElementById(id);

  const L = (key) => {
    const entry = labels[key];
    if (entry) return entry[lang];
    const dot = key.indexOf('.');
    return dot >= 0 ? key.slice(dot + 1) : key;
  };

  /** An element with a class and text or children. */
  function el(tag, cls, ...children) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    for (const c of children) if (c !== undefined && c !== null) node.append(c);
    return node;
  }

  const fmtBytes = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(0)} KB` : `${n} B`);
  const roleLabel = (id) => (id === 'coordinator' ? L('role.coordinator') : model.roles[id] ? L(`role.${model.roles[id]}`) : '');

  function holdsLabel(item) {
    if (labels[`holds.${item}`]) return L(`holds.${item}`);
    const own = /^(.+\.csv): (\d+) rows$/.exec(item);
    return own ? `${L('ui.ownData')} ${own[1]}: ${Number(own[2]).toLocaleString('en-US')} ${L('ui.rows')}` : item;
  }

  // ---- the model the events build -------------------------------------------------

  function emptyModel() {
    return { run: null, job: null, phases: [], lanes: [], roles: {}, people: {}, banner: null };
  }

  function person(id) {
    if (!model.people[id]) {
      model.people[id] = { holds: [], recv: {}, sent: { count: 0, bytes: 0 }, preview: null, ledger: null, joined: false, progress: {} };
      if (!model.lanes.includes(id)) {
        model.lanes.push(id);
        renderLanesHead();
      }
    }
    return model.people[id];
  }

  function phase(name) {
    let p = model.phases.find((x) => x.name === name);
    if (!p) {
      p = { name, state: 'pending', ms: null };
      model.phases.push(p);
    }
    return p;
  }

  function startPhase(name) {
    for (const p of model.phases) if (p.state === 'current') p.state = 'done';
    const p = phase(name);
    if (p.state === 'pending') p.state = 'current';
  }

  /** Applies one event to the model and appends its row to the diagram. */
  function apply(ev) {
    switch (ev.event) {
      case 'run': {
        const parties = ev.parties.map((p) => p.id);
        const half = Math.floor(parties.length / 2);
        model = emptyModel();
        model.run = ev;
        model.lanes = [...parties.slice(0, half), 'coordinator', ...parties.slice(half)];
        for (const p of ev.parties) model.roles[p.id] = p.role;
        for (const id of model.lanes) person(id);
        $('diagram').replaceChildren();
        renderLanesHead();
        return;
      }
      case 'job':
        model.job = ev.name;
        model.phases = (ev.phases || []).map((name) => ({ name, state: 'pending', ms: null }));
        model.banner = null;
        for (const p of Object.values(model.people))
          Object.assign(p, { recv: {}, sent: { count: 0, bytes: 0 }, preview: null, ledger: null, joined: false, progress: {} });
        return note('job', `${L('ui.job')} · ${ev.name}`);
      case 'phase-start':
        startPhase(ev.name);
        return note('phase-start', `▸ ${L(`phase.${ev.name}`)}`, ev.name);
      case 'phase': {
        const p = phase(ev.name);
        p.state = 'done';
        p.ms = ev.ms;
        return note('phase-end', `✓ ${L('ui.phaseDone')} · ${L(`phase.${ev.name}`)} · ${(ev.ms / 1000).toFixed(1)} s`, ev.name);
      }
      case 'message':
        return message(ev);
      case 'joined':
        person(ev.party).joined = true;
        return note('joined', `${ev.party} ${L('ui.joined')}`);
      case 'holds':
        person(ev.participant).holds = ev.items;
        return;
      case 'ledger':
        person(ev.participant).ledger = { received: ev.received, decrypted: ev.decrypted };
        return;
      case 'progress':
        person(ev.party).progress[ev.step] = `${ev.done}/${ev.total}`;
        return;
      case 'epoch':
        return note('epoch', `${L('ui.epoch')} ${ev.epoch} · ${L('ui.loss')} ${ev.loss.toFixed(4)}`);
      case 'refused':
        model.banner = { ok: false, text: `${ev.party} ${L('ui.refused')}: ${ev.code}` };
        return note('bad', `${ev.party} ${L('ui.refused')}: ${ev.code} ${ev.message}`);
      case 'fatal':
        model.banner = { ok: false, text: ev.code };
        return note('bad', `${ev.code}: ${ev.message}`);
      case 'done':
        for (const p of model.phases) if (p.state === 'current') p.state = 'done';
        model.banner = { ok: ev.ok, text: L(ev.ok ? 'ui.done.ok' : 'ui.done.failed') };
        return note(ev.ok ? 'good' : 'bad', model.banner.text);
      default:
        return;
    }
  }

  function message(ev) {
    const to = person(ev.to);
    const from = person(ev.from);
    const r = to.recv[ev.type] || { count: 0, bytes: 0 };
    r.count += 1;
    r.bytes += ev.bytes;
    to.recv[ev.type] = r;
    from.sent.count += 1;
    from.sent.bytes += ev.bytes;
    if (typeof ev.preview === 'string' && /^[0-9a-f]+$/.test(ev.preview)) to.preview = { type: ev.type, hex: ev.preview };
    if (ev.phase && phase(ev.phase).state === 'pending') startPhase(ev.phase);
    const row = laneRow('msg-row');
    row.dataset.type = ev.type;
    row.title = ev.summary;
    row.append(arrow(ev.from, ev.to, ev.phase, ev.type, `${fmtBytes(ev.bytes)}${ev.phase ? ` · ${L(`phase.${ev.phase}`)}` : ''}`, ev.summary));
    append(row);
  }

  // ---- drawing ----------------------------------------------------------------------

  const centre = (i) => ((i + 0.5) / model.lanes.length) * 100;

  /** A diagram row with the lanes' vertical lines drawn through it. */
  function laneRow(cls) {
    const row = el('div', `row ${cls}`);
    model.lanes.forEach((_, i) => {
      const tick = el('span', 'tick');
      tick.style.left = `${centre(i)}%`;
      row.append(tick);
    });
    return row;
  }

  function arrow(fromId, toId, phaseName, type, facts, summary) {
    const a = model.lanes.indexOf(fromId);
    const b = model.lanes.indexOf(toId);
    const left = centre(Math.min(a, b));
    const node = el(
      'div',
      `arrow ${b < a ? 'rtl' : 'ltr'}`,
      el('div', 'label', el('b', 'type', type), ' ', el('span', 'gloss', L(`msg.${type}`)), el('span', 'facts', ` · ${facts}`)),
      summary ? el('div', 'summary', summary) : null,
    );
    node.style.left = `${left}%`;
    node.style.width = `${centre(Math.max(a, b)) - left}%`;
    node.style.setProperty('--c', PHASE_COLOURS[phaseName] || '#343a40');
    return node;
  }

  function note(kind, text, phaseName) {
    const row = el('div', `row note ${kind}`, el('span', 'text', text));
    if (phaseName) row.style.setProperty('--c', PHASE_COLOURS[phaseName] || '#343a40');
    append(row);
  }

  let bulk = false;
  function append(row) {
    const d = $('diagram');
    const atEnd = d.scrollHeight - d.scrollTop - d.clientHeight < 80;
    const pending = d.querySelector('.pending');
    d.insertBefore(row, pending);
    if (!bulk && atEnd) d.scrollTop = d.scrollHeight;
  }

  function renderLanesHead() {
    $('lanes-head').replaceChildren(
      ...model.lanes.map((id) => {
        const head = el('div', `lane-head${id === 'coordinator' ? ' coordinator' : ''}`, el('b', '', id), el('small', '', roleLabel(id)));
        head.style.width = `${100 / model.lanes.length}%`;
        return head;
      }),
    );
  }

  function renderTimeline() {
    $('timeline').replaceChildren(
      el('span', 'tl-title', L('ui.phases')),
      ...model.phases.map((p) => {
        const chip = el('span', `phase-chip ${p.state}`, L(`phase.${p.name}`), p.ms !== null ? el('small', '', ` ${(p.ms / 1000).toFixed(1)} s`) : null);
        chip.dataset.phase = p.name;
        chip.style.setProperty('--c', PHASE_COLOURS[p.name] || '#343a40');
        return chip;
      }),
    );
  }

  function renderCards() {
    $('cards').replaceChildren(...model.lanes.map((id) => card(id, model.people[id])));
  }

  function card(id, p) {
    const c = el(
      'article',
      'card',
      el('h3', '', el('b', '', id), ' ', el('small', '', roleLabel(id)), p.joined ? el('span', 'joined', ` ✓ ${L('ui.joined')}`) : null),
    );
    c.dataset.participant = id;
    c.append(
      el('h4', '', L('ui.holds')),
      el('ul', 'holds', ...(p.holds.length ? p.holds.map((h) => el('li', '', holdsLabel(h))) : [el('li', 'muted', L('ui.nothing'))])),
    );
    const types = Object.entries(p.recv);
    const total = types.reduce((s, [, r]) => s + r.bytes, 0);
    c.append(el('h4', '', `${L('ui.received')} · ${fmtBytes(total)}`));
    if (types.length) {
      const rows = types.map(([type, r]) => el('tr', '', el('td', '', el('code', '', type)), el('td', 'n', String(r.count)), el('td', 'n', fmtBytes(r.bytes))));
      c.append(el('table', 'recv', el('tbody', '', ...rows)));
    } else c.append(el('p', 'muted', L('ui.nothing')));
    if (p.preview)
      c.append(
        el('p', 'preview', `${L('ui.preview')} (${p.preview.type}): `, el('code', '', `${p.preview.hex.slice(0, 32).replace(/(..)/g, '$1 ').trim()} …`)),
      );
    if (p.ledger) {
      const kinds = Object.entries(p.ledger.received).filter(([, n]) => n > 0);
      c.append(
        el('h4', '', L('ui.ledger')),
        el(
          'ul',
          'kinds',
          ...kinds.map(([k, n]) => el('li', `kind-${k}`, `${L(`kind.${k}`)} ${n.toLocaleString('en-US')}`)),
          el('li', 'dec', `${L('ui.decrypted')} ${p.ledger.decrypted.toLocaleString('en-US')}`),
        ),
      );
    }
    const progress = Object.entries(p.progress);
    if (progress.length) c.append(el('p', 'progress', `${L('ui.progress')}: ${progress.map(([s, v]) => `${s} ${v}`).join(' · ')}`));
    return c;
  }

  /** The controls and the status line, from the stepper's state. */
  function renderControls() {
    const s = stepState || { mode: 'run', paused: false, speed: 1, waiting: null };
    $('mode-run').setAttribute('aria-pressed', String(s.mode === 'run'));
    $('mode-step').setAttribute('aria-pressed', String(s.mode === 'step'));
    $('pause').textContent = s.paused ? `▶ ${L('ui.resume')}` : L('ui.pause');
    $('next').disabled = !(s.mode === 'step' && !s.paused && s.waiting);
    const options = [...$('speed').options].map((o) => Number(o.value));
    $('speed').value = String(options.reduce((best, v) => (Math.abs(v - s.speed) < Math.abs(best - s.speed) ? v : best), options[0]));
    let text = s.paused ? L('ui.paused') : s.waiting ? `${L('ui.waiting')} · ${waitingText(s.waiting)}` : L('ui.running');
    if (model.banner) text = s.waiting || s.paused ? `${model.banner.text} · ${text}` : model.banner.text;
    if (!socket || socket.readyState !== WebSocket.OPEN) text = L('ui.disconnected');
    $('status').textContent = text;
    $('status').className = model.banner ? (model.banner.ok ? 'good' : 'bad') : '';
    // for tests and scripts: how many step points have passed, and which one waits
    $('status').dataset.passed = String(s.passed ?? 0);
    $('status').dataset.waiting = s.waiting ? [s.waiting.kind, s.waiting.name, s.waiting.from, s.waiting.to].filter(Boolean).join(':') : '';
    renderPending(s);
  }

  function waitingText(w) {
    if (w.kind === 'phase') return `${L('ui.waiting.phase')}: ${L(`phase.${w.name}`)}`;
    return `${L('ui.waiting.message')}: ${w.name}${w.from ? ` (${w.from} → ${w.to})` : ''}`;
  }

  /** A dashed arrow for the message the stepper is holding. */
  function renderPending(s) {
    const d = $('diagram');
    d.querySelector('.pending')?.remove();
    const w = s.waiting;
    if (!w || !(s.mode === 'step' || s.paused)) return;
    const known = w.kind === 'message' && model.lanes.includes(w.from) && model.lanes.includes(w.to);
    const row = known ? laneRow('pending') : el('div', 'row note pending', el('span', 'text', `… ${waitingText(w)}`));
    if (known) row.append(arrow(w.from, w.to, null, w.name, L('ui.waiting')));
    d.append(row);
    d.scrollTop = d.scrollHeight;
  }

  function renderText() {
    document.documentElement.dataset.lang = lang;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = L(node.dataset.i18n);
    $('run-name').textContent = model.run ? `· ${model.run.name}` : '';
    $('job-name').textContent = model.job ? `· ${model.job}` : '';
  }

  function renderPanels() {
    renderText();
    renderTimeline();
    renderCards();
    renderControls();
  }

  /** Rebuilds everything from the history (first load, reconnect, language switch). */
  function rebuild() {
    model = emptyModel();
    $('diagram').replaceChildren();
    renderLanesHead();
    bulk = true;
    for (const ev of history) apply(ev);
    bulk = false;
    renderPanels();
    $('diagram').scrollTop = $('diagram').scrollHeight;
  }

  // ---- the connection -------------------------------------------------------------------

  function send(msg) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
  }

  function connect() {
    retryTimer = null;
    socket = new WebSocket(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws`);
    socket.addEventListener('message', (e) => {
      const msg = JSON.parse(e.data);
      if (msg.t === 'hello') {
        history = msg.history;
        stepState = msg.state;
        rebuild();
      } else if (msg.t === 'event') {
        history.push(msg.event);
        apply(msg.event);
        renderPanels();
      } else if (msg.t === 'state') {
        stepState = msg.state;
        renderControls();
      }
    });
    socket.addEventListener('open', renderControls);
    socket.addEventListener('close', () => {
      renderControls();
      if (retryTimer === null) retryTimer = setTimeout(connect, 1000);
    });
  }

  function setLang(next) {
    lang = next;
    const url = new URL(window.location.href);
    url.searchParams.set('lang', lang);
    window.history.replaceState(null, '', url);
    rebuild();
  }

  $('mode-run').addEventListener('click', () => send({ t: 'mode', mode: 'run' }));
  $('mode-step').addEventListener('click', () => send({ t: 'mode', mode: 'step' }));
  $('pause').addEventListener('click', () => send({ t: stepState?.paused ? 'resume' : 'pause' }));
  $('next').addEventListener('click', () => send({ t: 'next' }));
  $('speed').addEventListener('change', (e) => send({ t: 'speed', speed: Number(e.target.value) }));
  $('lang').addEventListener('click', () => setLang(lang === 'zh' ? 'en' : 'zh'));
  // a presenter's clicker sends PageDown or the right arrow
  document.addEventListener('keydown', (e) => {
    // a focused button or list handles its own keys (space would otherwise press it twice)
    if (e.target instanceof HTMLSelectElement || e.target instanceof HTMLButtonElement) return;
    if ((e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') && !$('next').disabled) {
      e.preventDefault();
      send({ t: 'next' });
    }
  });

  model = emptyModel();
  fetch('/i18n.json')
    .then((r) => r.json())
    .then((table) => {
      labels = table;
    })
    .catch(() => {
      // without the table the page shows the keys' last parts (message types, phase names)
    })
    .finally(() => {
      rebuild();
      connect();
    });
})();
