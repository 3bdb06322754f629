// Lists come from the elements at runtime: custom properties from each element's adopted styles
// (`var(--rtc-…, default)`), parts from the rendered shadow DOM (including <rtc-call>'s re-exported
// `tile-*` parts). Edits go through CSSOM: style.setProperty on the stage and one constructed
// stylesheet for ::part rules, so the page stays within a strict CSP.
const TAGS = ['rtc-call', 'rtc-video-tile', 'rtc-device-picker', 'rtc-precall-check'];
const stage = document.getElementById('stage');
const call = document.getElementById('call');
const propsBox = document.getElementById('props');
const partSelect = document.getElementById('part');
const partCss = document.getElementById('part-css');
const out = document.getElementById('css-out');
const partSheet = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, partSheet];
const propValues = new Map();
const partRules = new Map();

call.room = new URLSearchParams(location.search).get('room') || 'theming-demo';
document.getElementById('join').addEventListener('click', () => call.join().catch(() => {}));

await Promise.all(TAGS.map((t) => customElements.whenDefined(t)));

/** `var(--rtc-x, default)` with balanced parentheses in the default. */
function customProperties(cssText) {
  const found = new Map();
  const re = /var\(\s*(--rtc-[\w-]+)\s*(,)?/g;
  for (let m; (m = re.exec(cssText)); ) {
    let fallback = '';
    if (m[2]) {
      let depth = 1;
      let i = re.lastIndex;
      for (; i < cssText.length && depth; i++) {
        if (cssText[i] === '(') depth++;
        else if (cssText[i] === ')') depth--;
      }
      fallback = cssText.slice(re.lastIndex, i - 1).trim();
    }
    if (!found.has(m[1]) || (!found.get(m[1]) && fallback)) found.set(m[1], fallback);
  }
  return found;
}

/** The styles a tag reads: its class's, and those its instances on the stage adopted once their
 * lazily loaded rendering came (the in-call view, the check's rendering). */
function stylesOf(tag) {
  const sheets = new Set(customElements.get(tag).elementStyles ?? []);
  for (const el of stage.querySelectorAll(tag)) for (const sheet of el.shadowRoot?.adoptedStyleSheets ?? []) sheets.add(sheet);
  return [...sheets]
    .map((s) => s.cssText ?? [...(s.styleSheet ?? s).cssRules].map((r) => r.cssText).join('\n'))
    .join('\n');
}

const props = new Map(); // name → { fallback, tags, hint }
const isColor = (v) => /^#[0-9a-f]{3,8}$/i.test(v);
const expand = (v) => (v.length === 4 ? `#${[...v.slice(1)].map((c) => c + c).join('')}` : v.slice(0, 7));

/** Adds a row for each custom property not listed yet (called again when more styles arrive). */
function listProps() {
  const added = [];
  for (const tag of TAGS) {
    for (const [name, fallback] of customProperties(stylesOf(tag))) {
      let entry = props.get(name);
      if (!entry) {
        entry = { fallback, tags: [] };
        props.set(name, entry);
        added.push(name);
      }
      if (!entry.tags.includes(tag)) {
        entry.tags.push(tag);
        if (entry.hint) entry.hint.textContent = entry.tags.join(', ');
      }
    }
  }
  for (const name of added) propRow(name, props.get(name));
  if (added.length) propsBox.replaceChildren(...[...props].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => e.row));
}

function propRow(name, entry) {
  const { fallback, tags } = entry;
  const row = document.createElement('div');
  row.className = 'prop';
  const label = document.createElement('code');
  label.textContent = name;
  const text = document.createElement('input');
  text.type = 'text';
  text.placeholder = fallback || '(no default)';
  text.setAttribute('aria-label', name);
  const hint = document.createElement('small');
  hint.textContent = tags.join(', ');
  row.append(label);
  if (isColor(fallback)) {
    const color = document.createElement('input');
    color.type = 'color';
    color.value = expand(fallback);
    color.setAttribute('aria-label', `${name} colour`);
    color.addEventListener('input', () => {
      text.value = color.value;
      setProp(name, color.value);
    });
    row.append(color);
  }
  text.addEventListener('input', () => setProp(name, text.value.trim()));
  row.append(text, hint);
  Object.assign(entry, { row, hint });
}

function setProp(name, value) {
  if (value) {
    stage.style.setProperty(name, value);
    propValues.set(name, value);
  } else {
    stage.style.removeProperty(name);
    propValues.delete(name);
  }
  render();
}

/** Part names rendered right now: [part] tokens in each element's shadow root, plus re-exports. */
function partsNow() {
  const parts = new Set();
  for (const el of stage.querySelectorAll(TAGS.join(','))) {
    const tag = el.localName;
    for (const node of el.shadowRoot?.querySelectorAll('[part], [exportparts]') ?? []) {
      for (const p of (node.getAttribute('part') ?? '').split(/\s+/).filter(Boolean)) parts.add(`${tag}::part(${p})`);
      for (const pair of (node.getAttribute('exportparts') ?? '').split(',')) {
        const outer = pair.split(':')[1]?.trim();
        if (outer) parts.add(`${tag}::part(${outer})`);
      }
    }
  }
  return [...parts].sort();
}

function refreshParts() {
  const current = partSelect.value;
  const all = new Set([...partsNow(), ...partRules.keys()]);
  partSelect.replaceChildren(...[...all].sort().map((p) => new Option(p, p)));
  if (current && all.has(current)) partSelect.value = current;
  showPart();
}

function showPart() {
  document.getElementById('part-selector').textContent = partSelect.value;
  partCss.value = partRules.get(partSelect.value) ?? '';
}

partSelect.addEventListener('change', showPart);
partCss.addEventListener('input', () => {
  const selector = partSelect.value;
  if (!selector) return;
  if (partCss.value.trim()) partRules.set(selector, partCss.value.trim());
  else partRules.delete(selector);
  render();
});

function render() {
  const rules = [...partRules].map(([sel, decl]) => `${sel} { ${decl} }`);
  try {
    partSheet.replaceSync(rules.join('\n'));
  } catch {
    /* an incomplete declaration while typing */
  }
  const vars = [...propValues].map(([n, v]) => `  ${n}: ${v};`);
  out.textContent = [vars.length ? `${TAGS.join(', ')} {\n${vars.join('\n')}\n}` : '', ...rules].filter(Boolean).join('\n') || '/* change something */';
}

call.addEventListener('rtc-state-change', () =>
  call.updateComplete.then(() => {
    listProps();
    refreshParts();
  }),
);
await Promise.all([...stage.querySelectorAll(TAGS.join(','))].map((el) => el.updateComplete));
listProps();
refreshParts();
render();
