// newsflow desk: a live tail of subscription alerts (plain JS, no build step).
//
// Data: GET api/subscriptions, GET api/alerts (newest first), the SSE stream
// api/alerts/stream (event "alert", id = alert id) and GET api/doc/{key};
// the subscription editor: GET api/rules/tags, PUT/DELETE api/subscriptions/{name}.
// All text from the feeds is rendered as text (textContent), never as HTML.
// An item that alerted for several subscriptions is one row naming them all.
'use strict';

(function () {
  const MAX_ROWS = 500;          // alerts kept (model and DOM)
  const EXCERPT_CHARS = 200;     // body excerpt length in the list
  const EXCERPT_LEAD = 40;       // characters shown before the first mark
  const HEADLINE_CHARS = 80;     // headline cut from the body when the title is empty
  const SOURCES = ['cls', 'eastmoney', 'ths'];

  const $ = (sel) => document.querySelector(sel);
  const listEl = $('#alerts');
  const detailEl = $('#detail');
  const statusEl = $('#status');
  const countEl = $('#count');
  const emptyEl = $('#empty');
  const subsEl = $('#subscriptions');
  const fTag = $('#filter-tag');
  const fRegion = $('#filter-region');
  const fSource = $('#filter-source');

  // ------------------------------------------------------------------ state
  let subscriptions = [];        // from api/subscriptions
  let chosen = null;             // Set of chosen subscription names (null: not loaded yet)
  let alerts = [];               // newest first
  const byId = new Map();        // alert id -> {alert, node (built when first shown), group}
  // One row per item: an item that alerted for several subscriptions (a
  // Shenzhen AI chip maker on a desk following AI, Shenzhen and Guangdong)
  // raises one alert each, and is one row naming them all, where its first
  // alert stands. (Another member of the story that alerts later, for
  // another subscription, is a row of its own: it is another text, and the
  // alert for it is news to that subscription.)
  const groups = new Map();      // item key -> {key, alerts: newest first}
  let selectedId = null;
  let es = null;                 // the EventSource
  let generation = 0;            // bumps on every reload; stale responses are dropped
  let reopenTimer = null;
  let reopenDelay = 1000;

  // ------------------------------------------------------------------ DOM helper
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') n.className = v;
        else if (k === 'text') n.textContent = v;
        else if (k.startsWith('data-')) n.setAttribute(k, v);
        else if (k in n && typeof n[k] !== 'function') n[k] = v;
        else n.setAttribute(k, v);
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  // ------------------------------------------------------------------ time (Beijing)
  let fmtParts = null;
  try {
    fmtParts = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
  } catch (e) { fmtParts = null; }

  function beijingParts(ms) {
    if (fmtParts) {
      const o = {};
      for (const p of fmtParts.formatToParts(new Date(ms))) o[p.type] = p.value;
      if (o.hour === '24') o.hour = '00';
      return o;
    }
    // No time-zone data: China has had a fixed UTC+8 offset since 1991.
    const d = new Date(ms + 8 * 3600 * 1000);
    const p2 = (x) => String(x).padStart(2, '0');
    return { year: String(d.getUTCFullYear()), month: p2(d.getUTCMonth() + 1), day: p2(d.getUTCDate()),
             hour: p2(d.getUTCHours()), minute: p2(d.getUTCMinutes()), second: p2(d.getUTCSeconds()) };
  }

  function timeMs(a) {
    // A feed map without a time field stores 0: no time, not 1970.
    if (typeof a.time_ms === 'number') return a.time_ms > 0 ? a.time_ms : null;
    const t = Date.parse(a.time || '');
    return Number.isNaN(t) ? null : t;
  }
  function shortTime(a) {
    const ms = timeMs(a);
    if (ms === null) return '';
    const o = beijingParts(ms);
    return `${o.month}-${o.day} ${o.hour}:${o.minute}:${o.second}`;
  }
  function longTime(a) {
    const ms = timeMs(a);
    if (ms === null) return typeof a.time_ms === 'number' ? 'no time given by the feed' : (a.local_time || '');
    const o = beijingParts(ms);
    return `${o.year}-${o.month}-${o.day} ${o.hour}:${o.minute}:${o.second} 北京时间`;
  }

  // ------------------------------------------------------------------ text + highlight
  const encoder = new TextEncoder();
  const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: ' ', emsp: ' ',
                  thinsp: ' ', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', mdash: '—', ndash: '–',
                  hellip: '…', middot: '·', times: '×', divide: '÷', yen: '¥', deg: '°', plusmn: '±',
                  laquo: '«', raquo: '»', bull: '•', copy: '©', reg: '®', trade: '™' };
  let entityParser = null;
  function decodeEntities(s) {
    if (s.indexOf('&') < 0) return s;
    return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/g, (all, e) => {
      if (e[0] === '#') {
        const cp = (e[1] === 'x' || e[1] === 'X') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
        return String.fromCodePoint(cp);
      }
      if (Object.prototype.hasOwnProperty.call(NAMED, e)) return NAMED[e];
      // Rare named entity: let the browser's parser (inert, no scripts) decode it.
      entityParser = entityParser || new DOMParser();
      const t = entityParser.parseFromString(`<!doctype html><body>${all}`, 'text/html').body.textContent;
      return t.length <= 2 ? t : all;
    });
  }

  // UTF-8 byte offset -> UTF-16 index, for every byte offset of s (offsets inside a
  // character map to the character's start).
  function byteToIndexMap(s) {
    const map = new Int32Array(encoder.encode(s).length + 1);
    let b = 0;
    for (let i = 0; i < s.length;) {
      const cp = s.codePointAt(i);
      const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (let k = 0; k < n && b + k < map.length; k++) map[b + k] = i;
      b += n;
      i += cp > 0xffff ? 2 : 1;
    }
    if (b < map.length) map[b] = s.length;
    return map;
  }

  // The spans of one field as merged UTF-16 ranges [a, b) of the raw string.
  function spanRanges(raw, spans) {
    if (!raw || !spans || !spans.length) return [];
    const map = byteToIndexMap(raw);
    const nbytes = map.length - 1;
    const out = [];
    for (const sp of spans) {
      let b = Number(sp.begin), e = Number(sp.end);
      if (!Number.isFinite(b) || !Number.isFinite(e) || e <= b || b < 0 || b >= nbytes) continue;
      if (e > nbytes) e = nbytes;
      let a = map[b], z = map[e];
      // Offsets should land on the matched text; if they do not (a different
      // normalisation upstream), fall back to the nearest occurrence of the text.
      if (sp.text && raw.slice(a, z) !== sp.text) {
        let best = -1, bestDist = Infinity;
        for (let p = raw.indexOf(sp.text); p >= 0; p = raw.indexOf(sp.text, p + 1)) {
          const d = Math.abs(p - a);
          if (d < bestDist) { best = p; bestDist = d; }
        }
        if (best >= 0) { a = best; z = best + sp.text.length; }
      }
      if (z > a) out.push([a, z]);
    }
    out.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const merged = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);  // overlap: merge
      else merged.push([r[0], r[1]]);                                 // touching marks stay separate
    }
    return merged;
  }

  // Markup as the server's normalizer reads it (its offsets are the spans'):
  // comments (an unterminated one runs to the end), <script>/<style> with
  // their content, a tag up to its '>' and <!...>/<?...> declarations. A '<'
  // with no '>' after it is text: 增速<GDP stays whole.
  // A quoted attribute value may hold a '>'; <script/> is a tag alone.
  const TAG_RE = /<!--[\s\S]*?(?:-->|$)|<(script|style)\b(?:[^>"']|"[^"]*"|'[^']*')*?(?<!\/)>[\s\S]*?(?:<\/\1\s*>|$)|<\/?[A-Za-z](?:[^>"']|"[^"]*"|'[^']*')*>|<[!?][^>]*>/gi;
  const BIDI_RE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  const BLOCK_RE = /^<\/?(?:br|p|div|li|ul|ol|tr|table|h[1-6]|blockquote|section|article|pre)\b/i;

  // Highlight the raw stored string: returns pieces [{t, m}] where t is display text
  // (HTML tags stripped, entities decoded) and m is 0 or the 1-based mark number.
  function highlight(raw, spans) {
    raw = typeof raw === 'string' ? raw : '';
    const ranges = spanRanges(raw, spans);
    const pieces = [];
    const push = (t, m) => {
      t = t.replace(BIDI_RE, '');   // an RTL override would show figures reversed
      if (!t) return;
      const last = pieces[pieces.length - 1];
      if (last && last.m === m) last.t += t; else pieces.push({ t, m });
    };
    let ri = 0;
    const emitText = (a, b) => {   // raw[a, b) is text (no tags); split it at mark boundaries
      let p = a;
      while (p < b) {
        while (ri < ranges.length && ranges[ri][1] <= p) ri++;
        const r = ranges[ri];
        if (!r || r[0] >= b) { push(decodeEntities(raw.slice(p, b)), 0); break; }
        if (r[0] > p) { push(decodeEntities(raw.slice(p, r[0])), 0); p = r[0]; }
        const q = Math.min(r[1], b);
        push(decodeEntities(raw.slice(p, q)), ri + 1);
        p = q;
      }
    };
    let pos = 0;
    TAG_RE.lastIndex = 0;
    for (let m; (m = TAG_RE.exec(raw)) !== null;) {
      emitText(pos, m.index);
      if (BLOCK_RE.test(m[0])) push('\n', 0);
      pos = m.index + m[0].length;
    }
    emitText(pos, raw.length);
    return pieces;
  }

  function piecesText(pieces) { return pieces.map((p) => p.t).join(''); }
  // A stored title as one line of display text (markup and entities read as
  // everywhere else on the page), for the places that show no marks.
  function plainText(raw) { return piecesText(collapseWs(highlight(raw, []))); }

  // pieces restricted to display characters [start, end)
  function slicePieces(pieces, start, end) {
    const out = [];
    let off = 0;
    for (const p of pieces) {
      const a = off, b = off + p.t.length;
      off = b;
      if (b <= start || a >= end) continue;
      out.push({ t: p.t.slice(Math.max(0, start - a), Math.min(p.t.length, end - a)), m: p.m });
    }
    return out;
  }

  function collapseWs(pieces) {
    const out = pieces.map((p) => ({ t: p.t.replace(/\s+/g, ' '), m: p.m }));
    // collapse whitespace across piece boundaries and trim the ends
    for (let i = 1; i < out.length; i++) {
      if (/ $/.test(out[i - 1].t) && /^ /.test(out[i].t)) out[i].t = out[i].t.slice(1);
    }
    if (out.length) { out[0].t = out[0].t.replace(/^ /, ''); out[out.length - 1].t = out[out.length - 1].t.replace(/ $/, ''); }
    return out.filter((p) => p.t);
  }

  function tidyBlock(pieces) {   // for the full body: keep paragraphs, drop runs of blank lines
    const text = piecesText(pieces);
    if (!/\n\s*\n\s*\n|^\s|\s$/.test(text)) return pieces;
    const out = pieces.map((p) => ({ t: p.t.replace(/[ \t]*\n[ \t\n]*\n[ \t\n]*/g, '\n\n'), m: p.m }));
    if (out.length) { out[0].t = out[0].t.replace(/^\s+/, ''); out[out.length - 1].t = out[out.length - 1].t.replace(/\s+$/, ''); }
    return out.filter((p) => p.t);
  }

  function safeSliceIndex(s, i) {   // do not cut a surrogate pair
    const c = s.charCodeAt(i);
    return (c >= 0xdc00 && c <= 0xdfff) ? i + 1 : i;
  }

  // Index i of the pieces' text moved out of a <mark> it falls inside: to the
  // mark's end (forward) or start, so that a cut never halves a matched word
  // ("天翼<mark>Toke</mark>…" for the span "Token").
  function outsideMark(pieces, i, forward) {
    let off = 0;
    for (const p of pieces) {
      if (off >= i) break;
      const end = off + p.t.length;
      if (p.m && i < end) return forward ? end : off;
      off = end;
    }
    return i;
  }

  function excerpt(pieces, maxLen, lead) {
    const text = piecesText(pieces);
    if (text.length <= maxLen) return pieces;
    let first = 0, off = 0;
    for (const p of pieces) { if (p.m) { first = off; break; } off += p.t.length; }
    let start = Math.max(0, first - lead);
    if (text.length - start < maxLen) start = Math.max(0, text.length - maxLen);
    start = outsideMark(pieces, safeSliceIndex(text, start), false);
    const end = outsideMark(pieces, safeSliceIndex(text, Math.min(text.length, start + maxLen)), true);
    const out = slicePieces(pieces, start, end);
    if (start > 0) out.unshift({ t: '…', m: 0 });
    if (end < text.length) out.push({ t: '…', m: 0 });
    return out;
  }

  function renderPieces(container, pieces) {
    for (const p of pieces) {
      if (p.m) container.append(el('mark', { text: p.t }));
      else container.append(document.createTextNode(p.t));
    }
    return container;
  }

  function fieldSpans(a, field) { return (a.spans || []).filter((s) => s.field === field); }

  // headline pieces and body pieces (the body without a leading 【headline】 when that is shown)
  function headlineAndBody(a) {
    const bodyPieces = collapseWs(highlight(a.body || '', fieldSpans(a, 'body')));
    const btext = piecesText(bodyPieces);
    const bracket = /^【([^】]{1,120})】/.exec(btext);
    const title = (a.title || '').trim();
    if (title) {
      const head = collapseWs(highlight(a.title, fieldSpans(a, 'title')));
      let rest = bodyPieces;
      // The same headline up to spaces and punctuation (a feed writes 金宏气体，大单封涨停！
      // as its title and 金宏气体 大单封涨停！ in the body's 【】): not shown twice.
      const bare = (t) => t.replace(/[\s\p{P}\p{S}]+/gu, '');
      if (bracket && bare(bracket[1]) === bare(piecesText(head))) {
        rest = collapseWs(slicePieces(bodyPieces, bracket[0].length, btext.length));
      }
      return { head, rest };
    }
    if (bracket) {
      return { head: slicePieces(bodyPieces, 1, bracket[0].length - 1),
               rest: collapseWs(slicePieces(bodyPieces, bracket[0].length, btext.length)) };
    }
    if (!btext) return { head: [{ t: a.key || '(no text)', m: 0 }], rest: [] };
    // A text without a headline: its first HEADLINE_CHARS characters are the
    // headline (not cutting a matched word), and the excerpt goes on after
    // them rather than showing them twice.
    const cut = outsideMark(bodyPieces, safeSliceIndex(btext, Math.min(btext.length, HEADLINE_CHARS)), true);
    const head = slicePieces(bodyPieces, 0, cut);
    if (cut >= btext.length) return { head, rest: [] };
    head.push({ t: '…', m: 0 });
    return { head, rest: slicePieces(bodyPieces, cut, btext.length) };
  }

  // "also in eastmoney, ths": the other feeds of the story
  function alsoSources(a) {
    const own = a.source;
    const seen = [];
    for (const k of a.also || []) {
      const s = String(k).split(':')[0];
      if (s && s !== own && !seen.includes(s)) seen.push(s);
    }
    return seen;
  }

  function safeUrl(u) {
    if (!u) return null;
    try {
      const x = new URL(u, location.href);
      return (x.protocol === 'http:' || x.protocol === 'https:') ? x.href : null;
    } catch (e) { return null; }
  }

  function fmtScore(v) { return typeof v === 'number' ? v.toFixed(2) : String(v ?? ''); }

  function sourceBadge(s) { return el('span', { class: `src src-${SOURCES.includes(s) ? s : 'other'}`, text: s || '?' }); }

  // ------------------------------------------------------------------ rows
  function buildRow(a) {
    const { head, rest } = headlineAndBody(a);
    const also = alsoSources(a);
    const tags = a.tags || [];
    const row = el('li', {
      class: 'alert', tabIndex: 0,
      'data-id': a.id, 'data-key': a.key, 'data-source': a.source || '',
      'data-tags': tags.join(' '),
    },
      el('div', { class: 'meta' },
        el('time', { datetime: a.time || '', text: shortTime(a), title: longTime(a) }),
        sourceBadge(a.source),
        // The feed's own importance (cls A/B/C, ths 0-3): ths's 0, most of its
        // items, is no mark at all.
        a.level && a.level !== '0'
          ? el('span', { class: `level level-${a.level}`, text: a.level, title: `${a.source} level ${a.level}` }) : null,
        el('span', { class: 'subs' }),
        also.length ? el('span', { class: 'also', text: `also in ${also.join(', ')}` }) : null),
      renderPieces(el('div', { class: 'headline' }), head),
      rest.length ? renderPieces(el('div', { class: 'excerpt' }), excerpt(rest, EXCERPT_CHARS, EXCERPT_LEAD)) : null,
      el('div', { class: 'tags' }, tags.map((t) => el('span', {
        class: `tag tag-${t.split(':')[0]}`, 'data-tag': t, title: `score ${fmtScore((a.scores || {})[t])}`,
        text: t,
      }))));
    row.addEventListener('click', () => select(a.id));
    row.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); select(a.id); }
      else if (ev.key === 'ArrowDown' || ev.key === 'j') { ev.preventDefault(); moveFocus(row, 1); }
      else if (ev.key === 'ArrowUp' || ev.key === 'k') { ev.preventDefault(); moveFocus(row, -1); }
    });
    row.addEventListener('animationend', (ev) => ev.target.classList.remove('flash'));
    return row;
  }

  function moveFocus(row, dir) {
    const next = dir > 0 ? row.nextElementSibling : row.previousElementSibling;
    if (next) { next.focus(); select(next.dataset.id); }
  }

  // ------------------------------------------------------------------ filters
  function filterState() { return { tag: fTag.value, region: fRegion.value, source: fSource.value }; }
  function matches(a, f) {
    const tags = a.tags || [];
    if (f.tag && !tags.includes(f.tag)) return false;
    if (f.region && !tags.includes(f.region)) return false;
    if (f.source && a.source !== f.source) return false;
    return true;
  }

  function fillSelect(sel, counts, allLabel) {
    const cur = sel.value;
    const names = [...counts.keys()].sort();
    if (cur && !counts.has(cur)) names.push(cur);   // keep the user's choice even if it has no alerts now
    const opts = [el('option', { value: '', text: allLabel })];
    for (const n of names) opts.push(el('option', { value: n, text: `${n} (${counts.get(n) || 0})` }));
    sel.replaceChildren(...opts);
    sel.value = cur;
  }

  // Each filter's counts are of the items whose alerts the other filters
  // let through: the number an option shows is the number of rows choosing
  // it gives.
  function refreshFilterOptions() {
    const tagCounts = new Map(), regionCounts = new Map(), srcCounts = new Map();
    const f = filterState();
    const noTag = { ...f, tag: '' }, noRegion = { ...f, region: '' }, noSource = { ...f, source: '' };
    for (const g of groups.values()) {
      const seen = new Set();   // an item counts once per option
      for (const a of g.alerts) {
        for (const t of a.tags || []) {
          const region = t.startsWith('region:');
          if (seen.has(t) || !matches(a, region ? noRegion : noTag)) continue;
          seen.add(t);
          const m = region ? regionCounts : tagCounts;
          m.set(t, (m.get(t) || 0) + 1);
        }
        const src = `source ${a.source}`;
        if (!seen.has(src) && matches(a, noSource)) {
          seen.add(src);
          srcCounts.set(a.source, (srcCounts.get(a.source) || 0) + 1);
        }
      }
    }
    fillSelect(fTag, tagCounts, 'all tags');
    fillSelect(fRegion, regionCounts, 'all regions');
    // The three wire feeds always, and any other feed (a map: feed) once an alert names it.
    for (const src of srcCounts.keys())
      if (src && ![...fSource.options].some((o) => o.value === src)) fSource.append(el('option', { value: src, text: src }));
    for (const o of fSource.options) {
      if (!o.value) continue;
      o.textContent = `${o.value} ${{ cls: '财联社', eastmoney: '东方财富', ths: '同花顺' }[o.value] || ''} (${srcCounts.get(o.value) || 0})`;
    }
  }

  // A burst of live alerts (a backlog replayed, a busy open) recounted the
  // options over every held alert once per alert: seconds of a frozen page.
  // Live alerts ask for one recount a quarter second later instead.
  let optionsTimer = null;
  function refreshFilterOptionsSoon() {
    if (optionsTimer) return;
    optionsTimer = setTimeout(() => { optionsTimer = null; refreshFilterOptions(); }, 250);
  }

  // The page holds the newest MAX_ROWS alerts: at the cap the counts (and
  // the filters' counts) are of those, and it says so; older ones are in the
  // store (GET api/alerts?before_seq=, `newsflow alerts`).
  function updateCount() {
    const shown = listEl.childElementCount;
    const items = groups.size;
    const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
    const ofAlerts = alerts.length >= MAX_ROWS ? `the newest ${alerts.length} alerts` : plural(alerts.length, 'alert', 'alerts');
    // An item is one row however many subscriptions it alerted for.
    const held = items === alerts.length ? ofAlerts : `${plural(items, 'item', 'items')} from ${ofAlerts}`;
    countEl.textContent = (shown === items ? held : `${shown} of ${held}`) + ' · times in 北京时间';
    countEl.dataset.rows = String(shown);
    countEl.dataset.items = String(items);
    countEl.dataset.alerts = String(alerts.length);
    countEl.title = alerts.length >= MAX_ROWS ? `The page holds the newest ${MAX_ROWS} alerts; filters and their ` +
      'counts cover those. Older alerts are in the store (newsflow alerts).' : '';
    emptyEl.hidden = shown > 0 || chosen === null;
    if (noneChosen()) emptyEl.textContent = 'No subscription chosen.';
    else if (!alerts.length) emptyEl.textContent = 'No alerts yet.';
    else emptyEl.textContent = alerts.length >= MAX_ROWS ? `No alert among the newest ${alerts.length} matches the filters.`
      : 'No alerts match the filters.';
  }

  // The alert an item's row shows: its oldest held alert the filters let
  // through (a feed's correction of the item can change its tags between
  // two of its alerts), or null.
  function shownOf(g, f) {
    for (let i = g.alerts.length - 1; i >= 0; i--) if (matches(g.alerts[i], f)) return g.alerts[i];
    return null;
  }

  // The subscriptions an item's held alerts name, oldest first.
  function subsOf(g) {
    const names = [];
    for (let i = g.alerts.length - 1; i >= 0; i--) {
      const n = g.alerts[i].subscription;
      if (n && !names.includes(n)) names.push(n);
    }
    return names;
  }

  // The row of an alert, built the first time it is shown, naming every
  // subscription its item alerted for.
  function rowOf(a) {
    const ent = byId.get(a.id);
    if (!ent.node) {
      ent.node = buildRow(a);
      if (a.id === selectedId) ent.node.classList.add('selected');
    }
    const names = subsOf(ent.group);
    const box = ent.node.querySelector('.subs');
    if (box.dataset.names !== names.join(' ')) {
      box.dataset.names = names.join(' ');
      box.replaceChildren(...names.map((n) => el('span', { class: 'subname', text: n })));
    }
    return ent.node;
  }

  function render() {
    const f = filterState();
    const nodes = [];
    for (const a of alerts) {
      const g = byId.get(a.id).group;
      if (shownOf(g, f) === a) nodes.push(rowOf(a));
    }
    // Putting the rows back takes the keyboard's focus off the row that had
    // it (j/k would stop working): it is given back.
    const focused = listEl.contains(document.activeElement) ? document.activeElement : null;
    listEl.replaceChildren(...nodes);
    if (focused && focused.isConnected) focused.focus({ preventScroll: true });
    updateCount();
  }

  // ------------------------------------------------------------------ model
  function itemOf(a) { return a.key || a.id; }

  function addAlert(a, live) {
    if (!a || !a.id || byId.has(a.id)) return false;
    const key = itemOf(a);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { key, alerts: [] });
    byId.set(a.id, { alert: a, node: null, group: g });
    if (live) {
      alerts.unshift(a);
      g.alerts.unshift(a);
      const f = filterState();
      const shown = shownOf(g, f);
      if (shown === a) {   // the item's first alert: its row, at the top
        const node = rowOf(a);
        node.classList.add('flash');
        listEl.prepend(node);
      } else if (shown) {  // the item has its row: it names the new subscription too
        const node = rowOf(shown);
        const sub = [...node.querySelectorAll('.subname')].find((x) => x.textContent === a.subscription);
        if (sub) sub.classList.add('flash');
      }
    } else {   // a page read back, newest first: older than everything held
      alerts.push(a);
      g.alerts.push(a);
    }
    return true;
  }

  // Drops the oldest alerts past MAX_ROWS. True if a dropped alert's row was
  // shown and its item keeps newer alerts: one of them shows the row now, at
  // its place, and the caller renders the list again. (An item's alerts come
  // together, so this is the rare cut through one item's alerts.)
  function trim() {
    let moved = false;
    const f = filterState();
    while (alerts.length > MAX_ROWS) {
      const old = alerts.pop();
      const ent = byId.get(old.id);
      byId.delete(old.id);
      const g = ent.group;
      g.alerts.pop();   // the oldest alert held is its item's oldest too
      const wasShown = !!(ent.node && ent.node.parentNode);
      if (wasShown) ent.node.remove();
      if (!g.alerts.length) { groups.delete(g.key); continue; }
      if (wasShown) moved = true;
      else { const s = shownOf(g, f); if (s && byId.get(s.id).node) rowOf(s); }   // names fewer subscriptions
    }
    return moved;
  }

  // The user unchecked every subscription (with none configured, the store's
  // alerts are all shown: rules with `alert: true` raise them too).
  function noneChosen() { return chosen !== null && subscriptions.length > 0 && chosen.size === 0; }

  // The choice as query parameters: the chosen names or, when fewer, the
  // others (not_subscription). Past MAX_FILTER_BYTES (a desk of thousands of
  // subscriptions with half of them chosen; the server refuses a request
  // line over 64 KiB) none: every alert comes, and wanted() filters here.
  const MAX_FILTER_BYTES = 16384;
  const FILTER_PAGES = 20;        // pages of 1,000 alerts read back when filtering here
  function subscriptionParams() {
    const p = new URLSearchParams();
    if (!partialChoice()) return p;
    const others = subscriptions.map((s) => s.name).filter((n) => !chosen.has(n));
    if (others.length < chosen.size) for (const n of others) p.append('not_subscription', n);
    else for (const n of chosen) p.append('subscription', n);
    return p.toString().length > MAX_FILTER_BYTES ? new URLSearchParams() : p;
  }
  function partialChoice() { return chosen !== null && chosen.size < subscriptions.length; }
  // Whether the choice wants an alert (the server filters too, unless the
  // choice was too long to send). A rule alert (no subscription) is shown
  // with every subscription chosen only, as the server does.
  function wanted(a) { return !partialChoice() || (!!a.subscription && chosen.has(a.subscription)); }

  // A fetch that gives up after `ms` (0: never), the body's read included
  // (`read(response)`: headers can come and the rest never). A server that
  // stopped answering (a frozen process, a dead network path) neither
  // answers nor fails: without a limit the page's checks would wait for
  // ever. Rejects with an Error whose `unreachable` is true when no answer
  // came (a network failure or the limit); read()'s own errors pass as they are.
  async function fetchWithin(url, ms, init, read) {
    const ctl = new AbortController();
    const timer = ms ? setTimeout(() => ctl.abort(), ms) : null;
    try {
      return await read(await fetch(url, { ...init, signal: ctl.signal }));
    } catch (e) {
      if (!ctl.signal.aborted && !(e instanceof TypeError)) throw e;   // fetch fails with a TypeError
      const err = new Error(ctl.signal.aborted ? `no answer within ${ms / 1000} s` : e.message);
      err.unreachable = true;
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  // The JSON of a GET; an HTTP error rejects with the server's message.
  const PROBE_MS = 5000;    // the 15 s checks of the stream and the writer
  const LOAD_MS = 30000;    // a page of alerts, the subscriptions, a document
  async function getJSON(url, ms = LOAD_MS) {
    return fetchWithin(url, ms, { headers: { Accept: 'application/json' } }, async (r) => {
      let body = null;
      try {
        body = await r.json();
      } catch (e) {
        if (e.name === 'AbortError') throw e;   // the limit, while reading
        body = null;
      }
      if (!r.ok) throw new Error((body && body.error) || `${r.status} ${r.statusText}`);
      return body;
    });
  }

  async function reload() {
    const gen = ++generation;
    closeStream();
    alerts = [];
    byId.clear();
    groups.clear();
    listEl.replaceChildren();
    if (noneChosen()) {
      refreshFilterOptions(); updateCount();
      setStatus('idle', 'no subscription');
      return;
    }
    setStatus('connecting', 'loading…');
    const p = subscriptionParams();
    // A choice too long to send is filtered here: the log is read back a
    // page at a time until MAX_ROWS wanted alerts (or FILTER_PAGES pages).
    const filtering = partialChoice() && !p.has('subscription') && !p.has('not_subscription');
    p.set('limit', String(filtering ? 1000 : MAX_ROWS));
    try {
      let kept = 0;
      for (let page = 0; page < (filtering ? FILTER_PAGES : 1); page++) {
        const data = await getJSON(`api/alerts?${p}`);
        if (gen !== generation) return;
        const got = (data && data.alerts) || [];
        for (const a of got) if (wanted(a) && kept < MAX_ROWS && addAlert(a, false)) kept++;
        if (kept >= MAX_ROWS || got.length < 1000 || typeof got[got.length - 1].seq !== 'number') break;
        p.set('before_seq', String(got[got.length - 1].seq));
      }
      trim();
    } catch (e) {
      if (gen !== generation) return;
      setStatus('error', `load failed: ${e.message}`);
    }
    refreshFilterOptions();
    render();
    openStream(gen);
  }

  // ------------------------------------------------------------------ stream
  function closeStream() {
    if (reopenTimer) { clearTimeout(reopenTimer); reopenTimer = null; }
    if (es) { es.close(); es = null; }
  }

  function openStream(gen) {
    if (gen !== generation) return;
    closeStream();
    const p = subscriptionParams();
    // Resume after the newest alert held; with none, from the log's start
    // (an alert raised between the list's load and this open is not missed).
    if (alerts.length) p.set('last_event_id', alerts[0].id);
    else p.set('after_seq', '0');
    const qs = p.toString();
    const src = new EventSource(`api/alerts/stream${qs ? `?${qs}` : ''}`);
    es = src;
    const onAlert = (ev) => {
      if (src !== es) return;
      let a;
      try { a = JSON.parse(ev.data); } catch (e) { return; }
      if (a.subscription && !subscriptions.some((s) => s.name === a.subscription)) refreshSubscriptions();
      if (!wanted(a)) return;
      if (addAlert(a, true)) {
        if (trim()) render();
        refreshFilterOptionsSoon();
        updateCount();
      }
    };
    src.addEventListener('alert', onAlert);
    src.addEventListener('message', onAlert);   // a server that sends no "event:" line
    src.onopen = () => { if (src === es) { reopenDelay = 1000; showLive(); } };
    src.onerror = () => {
      if (src !== es) return;
      if (src.readyState === EventSource.CONNECTING) {
        setStatus('reconnecting', 'reconnecting…');   // the browser retries with Last-Event-ID
      } else {
        // closed for good (e.g. an HTTP error): reopen ourselves, resuming after the newest alert held.
        // A chosen subscription deleted meanwhile makes the server refuse the stream (400): the
        // list is looked up now, not at the next minute, and a reload drops the name.
        setStatus('reconnecting', 'reconnecting…');
        es = null;
        refreshSubscriptions();
        reopenTimer = setTimeout(() => { reopenTimer = null; openStream(gen); }, reopenDelay);
        reopenDelay = Math.min(reopenDelay * 2, 30000);
      }
    };
  }

  // A stream can go quiet without an error (a half-open connection after a
  // NAT timeout, a VPN switch, a laptop's sleep): the page would say "live"
  // for ever. Every 15 s the newest alert the server holds for this choice is
  // looked up; still missing here at the next look, the stream is reopened
  // (it resumes after the newest alert held, so nothing is lost). A server
  // that does not answer the look-up within PROBE_MS (a frozen process, a
  // dead network path: the stream's keepalives then stop too, and nothing
  // fails) is said to be not answering, and the stream is reopened; so is
  // one still connecting while the server answers look-ups. Until a look-up
  // (asked again every few seconds meanwhile) is answered the page says so,
  // whatever the stream does (a server that sends a reply's headers and then
  // nothing opens streams that never carry an alert).
  let awaited = null;   // the server's newest alert at the last look, not here then
  let probing = false;  // a look-up in flight: the next waits for it
  let unanswered = null;  // why the last look-up got no answer, or null
  async function checkStream() {
    if (!es || noneChosen()) { awaited = null; return; }
    if (probing) return;
    const gen = generation, src = es;
    if (es.readyState === EventSource.OPEN && awaited !== null && !byId.has(awaited)) {   // 15 s and it never came
      awaited = null;
      setStatus('reconnecting', 'stream stalled: reconnecting…');
      openStream(gen);
      return;
    }
    awaited = null;
    const p = subscriptionParams();
    p.set('limit', '1');
    let top = null;
    probing = true;
    try {
      top = ((await getJSON(`api/alerts?${p}`, PROBE_MS)) || {}).alerts;
    } catch (e) {
      if (gen === generation && src === es && e.unreachable) {
        unanswered = e.message;
        showLive();
        openStream(gen);
        // Asked again in a second, not at the next 15 s tick: the look-up
        // may have waited on a dead connection the browser kept (a NAT
        // timeout), and the next one goes over a new connection.
        setTimeout(checkStream, 1000);
      }
      return;
    } finally {
      probing = false;
    }
    if (unanswered !== null) {
      unanswered = null;
      if (es && es.readyState === EventSource.OPEN) showLive();
    }
    if (gen !== generation || src !== es) return;
    if (src.readyState !== EventSource.OPEN) {   // the server answers, the stream does not
      openStream(gen);
      return;
    }
    if (top && top.length && wanted(top[0]) && !byId.has(top[0].id)) awaited = top[0].id;
  }
  setInterval(checkStream, 15000);

  // The stream can be open while nothing writes the store any more (the run
  // stopped or died): a trader must tell that from a quiet market. /ready
  // says whether a writer holds the store; looked up every 15 s.
  let writerGone = false;
  let writerChecking = false;
  function showLive() {
    if (unanswered !== null) setStatus('unreachable', `server not answering (${unanswered}): reconnecting…`);
    else if (writerGone) setStatus('stale', 'connected · no writer: nothing new is being stored');
    else setStatus('connected', 'connected · live');
  }
  async function checkWriter() {
    if (writerChecking) return;
    writerChecking = true;
    let ready = null;
    try {
      ready = await fetchWithin('ready', PROBE_MS, { headers: { Accept: 'application/json' } }, (r) => r.json());
    } catch (e) {
      return;   // not answering: checkStream says so
    } finally {
      writerChecking = false;
    }
    const gone = !!ready && ready.writer === false;
    if (gone === writerGone) return;
    writerGone = gone;
    if (es && es.readyState === EventSource.OPEN) showLive();
  }
  setInterval(checkWriter, 15000);
  checkWriter();

  // ------------------------------------------------------------------ detail
  function section(title, ...content) {
    return el('section', { class: 'dsec' }, el('h3', { text: title }), ...content);
  }

  async function select(id) {
    const ent = byId.get(id);
    if (!ent) return;
    const prev = selectedId ? byId.get(selectedId) : null;
    if (prev && prev.node) prev.node.classList.remove('selected');
    selectedId = id;
    if (ent.node) ent.node.classList.add('selected');
    const a = ent.alert;
    detailEl.dataset.key = a.key;
    detailEl.replaceChildren(el('p', { class: 'muted', text: 'loading…' }));
    let doc;
    try {
      doc = await getJSON(`api/doc/${encodeURIComponent(a.key)}`);
    } catch (e) {
      if (selectedId !== id) return;
      detailEl.replaceChildren(el('p', { class: 'error', text: `Could not load ${a.key}: ${e.message}` }));
      return;
    }
    if (selectedId !== id) return;
    renderDetail(doc, a, subsOf(ent.group));
    detailEl.scrollTop = 0;
    // One column (a narrow window): the detail is under the whole list.
    const box = detailEl.getBoundingClientRect();
    if (box.top >= window.innerHeight || box.bottom <= 0) detailEl.scrollIntoView({ block: 'start' });
  }

  function renderDetail(doc, a, subs) {
    const d = Object.assign({}, doc);
    if (!d.key) d.key = a.key;
    const { head } = headlineAndBody(d);
    const body = tidyBlock(highlight(d.body || '', fieldSpans(d, 'body')));
    const also = alsoSources(d);
    const url = safeUrl(d.url);
    const scores = d.scores || {};
    const prov = d.provenance || {};
    const tags = d.tags || [];

    const meta = el('dl', { class: 'dmeta' },
      el('dt', { text: 'time' }), el('dd', { text: longTime(d) }),
      el('dt', { text: 'source' }), el('dd', {}, sourceBadge(d.source), d.level ? ` level ${d.level}` : null,
        also.length ? el('span', { class: 'also', text: ` also in ${also.join(', ')}` }) : null),
      el('dt', { text: 'key' }), el('dd', { class: 'mono', text: d.key }),
      subs && subs.length ? [el('dt', { text: 'alerted for' }), el('dd', { class: 'alerted-for', text: subs.join(', ') })] : null,
      d.story && d.story !== d.key ? [el('dt', { text: 'story' }), el('dd', { class: 'mono', text: d.story })] : null,
      url ? [el('dt', { text: 'link' }), el('dd', {}, el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url }))] : null,
      (d.stocks && d.stocks.length) ? [el('dt', { text: 'stocks' }), el('dd', { class: 'mono', text: d.stocks.join(' ') })] : null,
      (d.labels && d.labels.length) ? [el('dt', { text: 'feed labels' }),
        el('dd', { class: 'feed-labels', text: d.labels.map((l) => l.name).join('、') })] : null,
      d.ruleset_version ? [el('dt', { text: 'rules' }), el('dd', { class: 'mono', text: d.ruleset_version })] : null);

    const tagTable = el('table', { class: 'tags-table' },
      el('thead', {}, el('tr', {}, el('th', { text: 'tag' }), el('th', { text: 'score' }), el('th', { text: 'matched' }))),
      el('tbody', {}, tags.map((t) => el('tr', { class: 'tag-row', 'data-tag': t },
        el('td', {}, el('span', { class: `tag tag-${t.split(':')[0]}`, text: t })),
        el('td', { class: 'num score', text: fmtScore(scores[t]) }),
        el('td', { text: [...new Set((d.spans || []).filter((s) => s.tag === t).map((s) => s.text))].join('、') })))));

    const spanTable = el('table', { class: 'spans-table' },
      el('thead', {}, el('tr', {}, ['tag', 'keyword', 'text', 'field', 'bytes'].map((h) => el('th', { text: h })))),
      el('tbody', {}, (d.spans || []).map((s) => el('tr', { class: 'span-row' },
        el('td', { text: s.tag }), el('td', { text: s.keyword }), el('td', {}, el('mark', { text: s.text })),
        el('td', { text: s.field === 'label' ? `label (${((d.labels || [])[s.begin] || {}).field || ''})` : s.field }),
        el('td', { class: 'num mono', text: s.field === 'label' ? '' : `${s.begin}–${s.end}` })))));

    const provList = el('div', { class: 'provenance' }, tags.map((t) => el('div', { class: 'prov-tag', 'data-tag': t },
      el('h4', {}, el('span', { class: `tag tag-${t.split(':')[0]}`, text: t })),
      (prov[t] && prov[t].length)
        ? el('ul', {}, prov[t].map((p) => el('li', {},
          el('span', { class: 'seed mono', text: p.seed }), el('blockquote', { class: 'clause', text: p.clause }))))
        : el('p', { class: 'muted', text: 'no provenance recorded' }))));

    const members = d.members || [];
    const memberTable = el('table', { class: 'members-table' },
      el('thead', {}, el('tr', {}, ['source', 'time', 'key', 'title'].map((h) => el('th', { text: h })))),
      el('tbody', {}, members.map((m) => el('tr', { class: m.key === d.key ? 'member self' : 'member', 'data-key': m.key },
        el('td', {}, sourceBadge(m.source || String(m.key).split(':')[0])),
        el('td', { class: 'mono nowrap', text: m.time ? shortTime({ time: m.time }) : '' }),
        el('td', { class: 'mono', text: m.key }),
        el('td', { text: plainText(m.title) })))));

    detailEl.replaceChildren(
      renderPieces(el('h2', { class: 'dtitle' }), head),
      meta,
      section('Tags and scores', tagTable),
      section('Body', renderPieces(el('div', { class: 'body' }), body.length ? body : [{ t: '(empty)', m: 0 }])),
      section(`Matched spans (${(d.spans || []).length})`, spanTable),
      section('Rule provenance', provList),
      members.length ? section(`Story members (${members.length})`, memberTable) : null);
  }

  // ------------------------------------------------------------------ subscriptions
  function describe(s) {
    const parts = [];
    if (s.all && s.all.length) parts.push(`all: ${s.all.join(', ')}`);
    if (s.any && s.any.length) parts.push(`any: ${s.any.join(', ')}`);
    if (s.not && s.not.length) parts.push(`not: ${s.not.join(', ')}`);
    if (s.min_score) parts.push(`min_score: ${s.min_score}`);
    if (s.sources && s.sources.length) parts.push(`sources: ${s.sources.join(', ')}`);
    return parts.join('\n');
  }

  let reloadTimer = null;
  function renderSubscriptions() {
    const boxes = subscriptions.map((s) => {
      const cb = el('input', { type: 'checkbox', value: s.name, checked: chosen.has(s.name) });
      cb.addEventListener('change', () => {
        if (cb.checked) chosen.add(s.name); else chosen.delete(s.name);
        clearTimeout(reloadTimer);
        reloadTimer = setTimeout(reload, 150);
      });
      return el('label', { class: 'sub', title: describe(s) }, cb, s.name);
    });
    const edit = el('button', { type: 'button', class: 'edit', id: 'subs-edit', text: 'Edit…', title: 'add, change or delete subscriptions' });
    edit.addEventListener('click', openEditor);
    subsEl.replaceChildren(el('legend', { text: 'Subscriptions' }),
      ...(boxes.length ? boxes : [el('span', { class: 'muted', text: 'none configured: every alert of the store' })]), edit);
    if (editor.open) renderEditorTable();
  }

  // Subscriptions added since the page loaded (a PUT, an edited file) get a
  // box, checked; removed ones lose theirs. Looked up when an alert names an
  // unknown one and every minute (a partial choice filters the stream on the
  // server, so their alerts would not arrive to be noticed).
  let refreshing = null;
  function refreshSubscriptions() {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const data = await getJSON('api/subscriptions');
        const next = (data && data.subscriptions) || [];
        const before = new Set(subscriptions.map((s) => s.name));
        const now = new Set(next.map((s) => s.name));
        const added = next.filter((s) => !before.has(s.name));
        const removed = [...before].filter((n) => !now.has(n));
        if (!added.length && !removed.length) {
          // The same names, perhaps other tags (an edit): titles and the editor follow.
          if (JSON.stringify(next) !== JSON.stringify(subscriptions)) { subscriptions = next; renderSubscriptions(); }
          return;
        }
        const partial = chosen.size < subscriptions.length;
        const lostChosen = removed.some((n) => chosen.has(n));
        subscriptions = next;
        for (const s of added) chosen.add(s.name);
        for (const n of removed) chosen.delete(n);
        renderSubscriptions();
        // The list and the stream's filter must follow: new names to ask for,
        // or a chosen one gone (perhaps the last one chosen).
        if ((partial && added.length) || lostChosen) reload();
      } catch (e) { /* the next try */ } finally { refreshing = null; }
    })();
    return refreshing;
  }

  // After an edit of our own: a lookup already under way may have read the
  // file before it, so wait for it and look again.
  async function refreshSubscriptionsNow() {
    if (refreshing) await refreshing;
    await refreshSubscriptions();
  }

  // ------------------------------------------------------------------ subscription editor
  // A dialog over PUT/DELETE api/subscriptions/{name}. The server checks what
  // is saved (a name of a-z 0-9 - _, tags the rules hold, all or any given)
  // and answers 400 with the reason, shown as it comes; 409 when it has no
  // subscriptions file or the file does not parse. Tag fields take the rules'
  // tags (api/rules/tags) as chips.
  const editor = $('#sub-editor');
  const form = $('#sub-form');
  const nameIn = $('#sub-name');
  const minIn = $('#sub-min-score');
  const msgEl = $('#sub-message');
  const tagLists = { all: [], any: [], not: [] };
  let ruleTags = [];             // the rules directory's tags; empty: not known, the server judges
  let editing = null;            // the name being edited; null: a new subscription
  let editingEtag = null;        // its version as the form was filled (If-Match: another tab's save is not overwritten)

  function say(kind, text) { msgEl.className = `message ${kind}`; msgEl.textContent = text; }

  function renderChips(list) {
    form.querySelector(`.tags[data-list="${list}"] .chips`).replaceChildren(...tagLists[list].map((t) => {
      const x = el('button', { type: 'button', text: '×', 'aria-label': `remove ${t}` });
      x.addEventListener('click', () => { tagLists[list] = tagLists[list].filter((u) => u !== t); renderChips(list); });
      return el('span', { class: 'chip', 'data-tag': t }, t, x);
    }));
  }

  // Adds the tags of `text` (one, or several separated by spaces or commas)
  // to a list; returns what was not added (no rule has it) for the input.
  function addTags(list, text) {
    const unknown = [];
    for (const t of text.split(/[\s,，]+/).filter(Boolean)) {
      if (ruleTags.length && !ruleTags.includes(t)) { unknown.push(t); continue; }
      if (!tagLists[list].includes(t)) tagLists[list].push(t);
    }
    renderChips(list);
    if (unknown.length) say('bad', `no rule has the tag ${unknown.join(', ')}`);
    return unknown.join(' ');
  }

  function fillForm(s) {
    editing = s ? s.name : null;
    editingEtag = s ? s.etag || null : null;
    $('#sub-form-title').textContent = s ? `Edit ${s.name}` : 'New subscription';
    nameIn.value = s ? s.name : '';
    nameIn.readOnly = !!s;       // another name is another subscription: New
    for (const list of Object.keys(tagLists)) { tagLists[list] = s ? [...(s[list] || [])] : []; renderChips(list); }
    for (const i of form.querySelectorAll('.tags input')) i.value = '';
    minIn.value = s && s.min_score ? String(s.min_score) : '';
    // The three wire feeds have a box each; a feed of a field map the
    // subscription names gets one too, ticked, so that saving keeps it.
    const box = $('#sub-sources');
    for (const extra of box.querySelectorAll('label.extra')) extra.remove();
    const hint = box.querySelector('.muted');
    for (const src of (s && s.sources) || []) {
      if (SOURCES.includes(src)) continue;
      box.insertBefore(el('label', { class: 'extra' }, el('input', { type: 'checkbox', value: src }), ` ${src}`), hint);
    }
    for (const cb of box.querySelectorAll('input')) cb.checked = !!(s && (s.sources || []).includes(cb.value));
    say('', '');
  }

  function renderEditorTable() {
    const rows = subscriptions.map((s) => {
      const edit = el('button', { type: 'button', class: 'sub-edit', text: 'Edit' });
      edit.addEventListener('click', () => { fillForm(s); form.querySelector('.tags input').focus(); });
      const del = el('button', { type: 'button', class: 'sub-delete', text: 'Delete' });
      del.addEventListener('click', () => removeSubscription(s.name));
      return el('tr', { 'data-name': s.name }, el('td', { class: 'mono', text: s.name }),
        el('td', { class: 'tags', text: describe(s) }), el('td', { class: 'actions' }, edit, ' ', del));
    });
    $('#sub-table tbody').replaceChildren(...(rows.length ? rows
      : [el('tr', null, el('td', { colspan: '3', class: 'muted', text: 'none yet' }))]));
  }

  // `etag`: the version the edit is based on (If-Match); none for a new
  // subscription, which must not exist yet (If-None-Match: *).
  async function send(method, name, body, etag) {
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (etag) headers['If-Match'] = `"${etag}"`;
    else if (method === 'PUT') headers['If-None-Match'] = '*';
    const r = await fetch(`api/subscriptions/${encodeURIComponent(name)}`, { method, body, headers });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    return { status: r.status, ok: r.ok, data, error: (data && data.error) || `${r.status} ${r.statusText}` };
  }

  async function openEditor() {
    await refreshSubscriptionsNow();   // edits made elsewhere since the last look
    try {
      ruleTags = ((await getJSON('api/rules/tags')) || {}).tags || [];
    } catch (e) { ruleTags = []; }
    $('#rule-tags').replaceChildren(...ruleTags.map((t) => el('option', { value: t })));
    renderEditorTable();
    fillForm(null);
    if (!editor.open) editor.showModal();
    nameIn.focus();
  }

  // The form and the list again as the file is now, after a 412: another
  // tab or a hand edit changed the subscription since this page read it.
  async function showChangedElsewhere(name, res, what) {
    await refreshSubscriptionsNow();   // the open editor's table follows (renderSubscriptions)
    const now = subscriptions.find((s) => s.name === name) || null;
    const mine = editing === name;
    if (mine) fillForm(now);
    const where = !now ? 'It is gone.' : mine ? 'The form shows it as it is now.' : 'It is in the list above now.';
    say('bad', `not ${what} (${res.status}): ${res.error}. ${where}`);
  }

  async function removeSubscription(name) {
    if (!window.confirm(`Delete the subscription ${name}? Its alerts stay in the log; no new ones are raised.`)) return;
    const shown = subscriptions.find((s) => s.name === name);
    let res;
    try { res = await send('DELETE', name, undefined, shown && shown.etag); } catch (e) { say('bad', `not deleted: ${e.message}`); return; }
    if (res.status === 412) { await showChangedElsewhere(name, res, 'deleted'); return; }
    if (!res.ok) { say('bad', `not deleted (${res.status}): ${res.error}`); return; }
    await refreshSubscriptionsNow();
    if (editing === name) fillForm(null);
    say('ok', `${name} deleted`);
  }

  for (const row of form.querySelectorAll('.tags')) {
    const input = row.querySelector('input');
    const list = row.dataset.list;
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ',') return;
      e.preventDefault();        // Enter adds the tag; it does not save
      input.value = addTags(list, input.value);
    });
    input.addEventListener('change', () => {   // a suggestion picked from the list
      if (ruleTags.includes(input.value.trim())) input.value = addTags(list, input.value);
    });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // A tag typed and not yet added counts, unless no rule has it.
    for (const i of form.querySelectorAll('.tags input')) {
      if (!i.value.trim()) continue;
      i.value = addTags(i.closest('.tags').dataset.list, i.value);
      if (i.value) { i.focus(); return; }
    }
    const name = nameIn.value.trim();
    if (!/^[a-z0-9_-]{1,64}$/.test(name)) {
      say('bad', 'a name is 1-64 characters of a-z, 0-9, - and _');
      nameIn.focus();
      return;
    }
    if (!editing && subscriptions.some((s) => s.name === name)) {
      say('bad', `${name} exists: Edit it in the list above`);
      return;
    }
    if (minIn.validity.badInput || (minIn.value !== '' && !(Number(minIn.value) >= 0))) {
      say('bad', 'min score is a number >= 0 (e.g. 1.5), or empty');   // "1,5" reads as empty
      minIn.focus();
      return;
    }
    const body = { all: tagLists.all, any: tagLists.any, not: tagLists.not };
    if (minIn.value !== '') body.min_score = Number(minIn.value);
    const sources = [...$('#sub-sources').querySelectorAll('input:checked')].map((c) => c.value);
    if (sources.length) body.sources = sources;
    say('', 'saving…');
    let res;
    try { res = await send('PUT', name, JSON.stringify(body), editing ? editingEtag : null); } catch (e) { say('bad', `not saved: ${e.message}`); return; }
    if (res.status === 412) { await showChangedElsewhere(name, res, 'saved'); return; }
    if (!res.ok) { say('bad', `not saved (${res.status}): ${res.error}`); return; }
    const warnings = (res.data && res.data.warnings) || [];
    await refreshSubscriptionsNow();
    fillForm(subscriptions.find((s) => s.name === name) || null);
    say(warnings.length ? 'warn' : 'ok',
      `${name} ${res.status === 201 ? 'added' : 'saved'}${warnings.length ? `; note: ${warnings.join('; ')}` : ''}`);
  });
  $('#sub-new').addEventListener('click', () => { fillForm(null); nameIn.focus(); });
  $('#sub-close').addEventListener('click', () => editor.close());

  async function start() {
    try {
      const data = await getJSON('api/subscriptions');
      subscriptions = (data && data.subscriptions) || [];
      chosen = new Set(subscriptions.map((s) => s.name));
      renderSubscriptions();
    } catch (e) {
      subscriptions = [];
      chosen = new Set();
      subsEl.replaceChildren(el('legend', { text: 'Subscriptions' }), el('span', { class: 'error', text: `unavailable: ${e.message}` }));
    }
    setInterval(refreshSubscriptions, 60000);
    // A background tab's timers are throttled: a tab brought back to the
    // front looks the list up at once (another tab may have deleted one).
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshSubscriptions(); });
    await reload();
  }

  const refilter = () => { refreshFilterOptions(); render(); };
  for (const sel of [fTag, fRegion, fSource]) sel.addEventListener('change', refilter);
  $('#filter-reset').addEventListener('click', () => { fTag.value = ''; fRegion.value = ''; fSource.value = ''; refilter(); });
  window.addEventListener('beforeunload', closeStream);

  // exposed for debugging and tests
  window.newsflowDesk = { highlight, spanRanges, alsoSources, shortTime, headlineAndBody, excerpt, piecesText, plainText, state: () => ({ alerts: alerts.length, items: groups.size, shown: listEl.childElementCount }) };

  start();
})();
