/* MT5 Desk browser viewer: a read-only page fed by the desk's WebSocket (protocol in ARCHITECTURE.md).
   State is folded by desk-state.js exactly as the desk folds it; this file draws it and keeps the link.
   Every text from the wire goes in through textContent, never as HTML. */
import { DeskState, num } from "./desk-state.js";
import {
  clock, feedEntry, fixed, money as formatMoney, pnl as formatPnl, price, side, signClass, volume,
} from "./format.js";

const PROTOCOL_VERSION = 1;
const BACKOFF_FIRST_MS = 1000, BACKOFF_MAX_MS = 30000, FEED_LIMIT = 20, PING_EVERY_MS = 20000;
// The desk sends a heartbeat STATUS_UPDATE every 30 s and answers PING: this much silence is a dead link.
const SILENCE_LIMIT_MS = 50000;
// A refused upgrade looks like any failed connection to a page; two in a row while GET / works mean
// the token (or this page's origin) is refused rather than the network being flaky.
const REFUSALS_BEFORE_ASKING = 2;
const TOKEN_KEY = "mt5desk.viewer.token";

const $ = (id) => document.getElementById(id);

const desk = new DeskState();
const feed = [];
const remember = (entry) => { feed.unshift(entry); feed.length = Math.min(feed.length, FEED_LIMIT); };
const digits = () => (desk.account ? desk.account.currency_digits : 2);
const money = (value) => formatMoney(value, digits());
const pnl = (value) => formatPnl(value, digits());
// A position's money is in its own account's currency, at that currency's digits.
const digitsOf = (id) => desk.accounts.get(id)?.account?.currency_digits ?? digits();
const labelOf = (id) => desk.accounts.get(id)?.label ?? id;
const STATE_LABELS = {
  connected: "Connected", stale: "Not answering", disconnected: "Disconnected", reconnecting: "Reconnecting",
};

// ---- rendering: events only mark parts dirty; one animation frame repaints them ---------------------
// The Account column comes last, shown only on a desk of several accounts: the cells of the others keep
// their places (the phone layout in viewer.css counts on them).
const COLUMNS = [
  { label: "Ticket", text: (p) => String(p.ticket) },
  { label: "Symbol", text: (p) => p.symbol },
  { label: "Type", text: (p) => side(p.side), cls: (p) => (p.side === "BUY" ? "buy" : "sell") },
  { label: "Volume", text: (p) => volume(p.volume), num: true },
  { label: "Open", text: (p) => price(p.price_open, p.digits), num: true },
  { label: "Current", text: (p) => price(p.price_current, p.digits), num: true },
  { label: "S/L", text: (p) => price(p.sl, p.digits), num: true },
  { label: "T/P", text: (p) => price(p.tp, p.digits), num: true },
  { label: "Profit", text: (p, id) => formatPnl(p.profit, digitsOf(id)), cls: (p) => signClass(p.profit), num: true },
  { label: "Account", text: (p, id) => labelOf(id), account: true },
];
const dirty = new Set();
let frameRequested = false, live = false, lastLiveAt = null;
let link = { state: "connecting", text: "starting…" };

function markDirty(...parts) {
  for (const part of parts) dirty.add(part);
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(render);
}

function render() {
  frameRequested = false;
  if (dirty.has("accounts")) renderAccounts();
  if (dirty.has("account")) renderAccount();
  if (dirty.has("positions")) renderPositions();
  if (dirty.has("link")) renderLinks();
  if (dirty.has("feed")) renderFeed();
  dirty.clear();
}

function setText(element, text, className) {
  if (element.textContent !== text) element.textContent = text;
  if (className !== undefined && element.className !== className) element.className = className;
}

/** How long ago: "4 s ago", "3 min ago", "2 h ago" (the desk's heartbeat_age_text). */
function ago(iso) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

function stateText(state) {
  if (!state.enabled) return "Switched off";
  const s = state.status;
  if (s === null) return "Unknown";
  const label = STATE_LABELS[s.state] ?? s.state;
  return s.state === "connected" || state.downSince === null ? label : `${label} ${ago(state.downSince)}`;
}

const level = (equity, margin) => (num(margin) > 0 ? fixed((num(equity) / num(margin)) * 100, 2) + " %" : "—");

function stripRow(cells) {
  const row = document.createElement("tr");
  for (const [label, text, cls] of cells) {
    const cell = row.insertCell();
    cell.setAttribute("data-label", label);
    cell.textContent = text;
    if (cls) cell.className = cls;
  }
  return row;
}

function renderAccounts() {
  const several = desk.several;
  $("accounts-section").hidden = !several;
  if (!several) return;
  const lines = [];
  for (const state of desk.accounts.values()) {
    const a = state.enabled ? state.account : null;
    const d = a ? a.currency_digits : 2;
    const s = state.status;
    const stateClass = state.enabled && s ? `state-${s.state}` : "state-off";
    lines.push(stripRow([
      ["Account", state.label, ""],
      ["Connection", stateText(state), stateClass],
      ["Balance", a ? formatMoney(a.balance, d, a.currency) : "—", "num"],
      ["Equity", a ? formatMoney(a.equity, d, a.currency) : "—", "num"],
      ["Floating P&L", a ? formatMoney(a.profit, d, a.currency, true) : "—", a ? `num ${signClass(a.profit)}`.trim() : "num"],
      ["Margin level", a ? level(a.equity, a.margin) : "—", "num"],
    ]));
  }
  for (const t of desk.totals()) {
    const row = stripRow([
      ["Account", `Total ${t.currency}`, ""],
      ["Connection", t.accounts === 1 ? "1 account" : `${t.accounts} accounts`, ""],
      ["Balance", formatMoney(t.balance, 2, t.currency), "num"],
      ["Equity", formatMoney(t.equity, 2, t.currency), "num"],
      ["Floating P&L", formatMoney(t.floating, 2, t.currency, true), `num ${signClass(t.floating)}`.trim()],
      ["Margin level", level(t.equity, t.margin), "num"],
    ]);
    row.className = "total";
    lines.push(row);
  }
  $("accounts-body").replaceChildren(...lines);
  setText($("accounts-count"), `(${desk.accounts.size})`);
}

function renderAccount() {
  const a = desk.account;
  $("no-account").hidden = a !== null;
  $("account-figures").hidden = a === null;
  if (a === null) { setText($("account-id"), ""); return; }
  const mode = a.trade_mode === "real" ? "REAL" : a.trade_mode.charAt(0).toUpperCase() + a.trade_mode.slice(1);
  const name = desk.several ? `${desk.shown.label} · ` : "";
  setText($("account-id"), `${name}${a.login} · ${a.server} · ${a.currency} · 1:${a.leverage} · ${mode}`);
  setText($("acc-balance"), money(a.balance));
  setText($("acc-equity"), money(a.equity));
  setText($("acc-margin"), money(a.margin));
  setText($("acc-free"), money(a.margin_free));
  setText($("acc-level"), num(a.margin) === 0 ? "—" : fixed(a.margin_level, 2) + " %");
  setText($("acc-floating"), pnl(a.profit), signClass(a.profit));
  document.title = `${pnl(a.profit)} ${a.currency} · MT5 Desk viewer`;
}

const rows = new Map();

const rowKey = (id, ticket) => `${id}\u0000${ticket}`;

function renderPositions() {
  const body = $("positions-body");
  const several = desk.several;
  const order = [...desk.accounts.keys()];
  // Account by account in the desk's order, then by ticket (two brokers may use the same ticket).
  const ordered = [...desk.allPositions()].sort(
    ([a, x], [b, y]) => order.indexOf(a) - order.indexOf(b) || x.ticket - y.ticket,
  );
  const held = new Set(ordered.map(([id, p]) => rowKey(id, p.ticket)));
  for (const [key, row] of rows) {
    if (!held.has(key)) { row.remove(); rows.delete(key); }
  }
  const accountColumn = COLUMNS.findIndex((column) => column.account);
  $("positions-head").children[accountColumn].hidden = !several;
  ordered.forEach(([id, p], index) => {
    let row = rows.get(rowKey(id, p.ticket));
    if (!row) row = newRow(id, p.ticket);
    COLUMNS.forEach((column, i) => {
      const base = column.num ? "num" : "";
      const extra = column.cls ? column.cls(p) : "";
      setText(row.cells[i], column.text(p, id), extra ? `${base} ${extra}`.trim() : base);
    });
    row.cells[accountColumn].hidden = !several;
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] || null);
  });
  const count = ordered.length;
  $("positions").hidden = count === 0;
  $("no-positions").hidden = count !== 0;
  setText($("positions-count"), count ? `(${count})` : "");
  let lots = 0;
  for (const [, p] of ordered) lots += num(p.volume);
  setText($("total-label"), `Total · ${count} position${count === 1 ? "" : "s"} · ${volume(lots)} lots`);
  if (several) {  // one sum per currency: money of two currencies is never added
    const sums = new Map();
    for (const state of desk.accounts.values()) {
      if (state.positions.size === 0 || state.account === null) continue;
      const key = state.account.currency;
      sums.set(key, (sums.get(key) ?? 0) + state.floatingTotal);
    }
    const text = [...sums].map(([currency, total]) => formatMoney(total, 2, currency, true)).join(" · ");
    setText($("total-profit"), text || "—", "num");
  } else {
    setText($("total-profit"), pnl(desk.floatingTotal), `num ${signClass(desk.floatingTotal)}`.trim());
  }
}

function newRow(id, ticket) {
  const row = document.createElement("tr");
  row.setAttribute("data-ticket", String(ticket));
  row.setAttribute("data-account", id);
  for (const column of COLUMNS) row.insertCell().setAttribute("data-label", column.label);
  rows.set(rowKey(id, ticket), row);
  return row;
}

function renderLinks() {
  $("link").setAttribute("data-state", link.state);
  setText($("link-text"), link.text);
  const s = desk.status;
  const terminal = $("terminal");
  if (live && desk.several) {
    // One line for every account: how many are connected, then each one that is not.
    const on = [...desk.accounts.values()].filter((state) => state.enabled);
    const down = on.filter((state) => state.status?.state !== "connected");
    terminal.setAttribute("data-state", down.length === 0 ? "connected" : down.length === on.length ? "disconnected" : "stale");
    const head = down.length === 0 ? `all ${on.length} accounts connected` : `${on.length - down.length} of ${on.length} accounts connected`;
    setText($("terminal-text"), [head, ...down.map((state) => `${state.label}: ${stateText(state)}`)].join(" · "));
  } else if (!live || s === null) {
    terminal.setAttribute("data-state", "unknown");
    setText($("terminal-text"), s === null ? "unknown" : `unknown (last known: ${s.state})`);
  } else {
    terminal.setAttribute("data-state", s.state);
    const details = [s.state];
    if (s.ping_ms !== null && s.ping_ms !== undefined) details.push(`ping ${fixed(s.ping_ms, 0)} ms`);
    if (s.simulated) details.push("simulated");
    if (s.message) details.push(s.message);
    setText($("terminal-text"), details.join(" · "));
  }
  $("desk").classList.toggle("stale", !live);
  const banner = $("stale-banner");
  banner.hidden = live || lastLiveAt === null;
  if (!banner.hidden) {
    setText(banner, `Not live: the link to the desk is down. The figures below are as of ${clock(lastLiveAt)}.`);
  }
  setText($("updated"), lastLiveAt === null ? "" : `Last update ${clock(lastLiveAt)}`);
}

function element(tag, text, className) {
  const made = document.createElement(tag);
  made.textContent = text;
  if (className) made.className = className;
  return made;
}

function renderFeed() {
  $("feed").replaceChildren(...feed.map((entry) => {
    const item = element("li", "", `entry ${entry.kind}`);
    const when = element("time", clock(entry.at));
    when.dateTime = entry.at;
    item.append(when, element("strong", entry.title), element("p", entry.text));
    return item;
  }));
  $("feed-empty").hidden = feed.length !== 0;
}

const setLink = (state, text) => { link = { state: state, text: text }; markDirty("link"); };

// ---- the token: from the address once, then only this tab's sessionStorage ---------------------------
let token = null;

function tokenFromAddress() {
  const url = new URL(location.href);
  const hash = new URLSearchParams(url.hash.slice(1));
  const found = url.searchParams.get("token") || hash.get("token");
  if (!url.searchParams.has("token") && !hash.has("token")) return null;
  // Out of the address bar, so it is not left on screen, in a bookmark or in a shared link.
  url.searchParams.delete("token");
  hash.delete("token");
  const rest = hash.toString();
  history.replaceState(history.state, "", url.pathname + url.search + (rest ? `#${rest}` : ""));
  return found;
}

function keepToken(value) {
  token = value;
  try {
    if (value === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  } catch (error) {
    // Storage refused (private mode): the token lives in this page only and is asked again on reload.
  }
  $("forget-token").hidden = value === null;
}

const storedToken = () => { try { return sessionStorage.getItem(TOKEN_KEY); } catch (error) { return null; } };

function askForToken(problem) {
  $("desk").hidden = true;
  $("token-form").hidden = false;
  $("token-problem").hidden = !problem;
  setText($("token-problem"), problem || "");
  $("token-input").focus();
}

// ---- the connection ---------------------------------------------------------------------------------
let socket = null, attempt = 0, refusals = 0, retryTimer = null, countdownTimer = null;
let lastSeq = null, resyncPending = false, lastHeard = 0;

function connect() {
  clearTimers();
  if (token === null) {
    setLink("idle", "waiting for the viewer token");
    askForToken("");
    return;
  }
  $("token-form").hidden = true;
  $("desk").hidden = false;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/?token=${encodeURIComponent(token)}`);
  socket = ws;
  let opened = false;
  lastSeq = null;
  resyncPending = false;
  setLink(attempt ? "reconnecting" : "connecting", attempt ? "reconnecting…" : "connecting…");
  ws.onopen = () => {
    opened = true;
    lastHeard = Date.now();
    setLink("connecting", "connected, waiting for the desk's state…");
  };
  ws.onmessage = (event) => { if (ws === socket) receive(event.data); };
  ws.onclose = (event) => { if (ws === socket) lost(opened, event); };
}

function send(type) {  // PING or RESYNC: the only messages the read-only server accepts
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: type, timestamp: new Date().toISOString(), v: PROTOCOL_VERSION }));
  }
}

function receive(data) {
  lastHeard = Date.now();
  let m;
  try { m = JSON.parse(data); } catch (error) { return unreadable(`not JSON (${error.message})`); }
  if (m === null || typeof m !== "object") return unreadable("not a JSON object");
  if (m.v !== PROTOCOL_VERSION) return incompatible(m.v);
  if (typeof m.seq === "number") {
    if (lastSeq !== null && m.seq !== lastSeq + 1 && !resyncPending) { resyncPending = true; send("RESYNC"); }
    lastSeq = m.seq;
  }
  try { handle(m); } catch (error) { unreadable(`${m.type}: ${error.message}`); }
}

function handle(m) {
  if (m.type === "PING") return;
  if (m.type === "HELLO") {
    if (m.protocol_version !== PROTOCOL_VERSION) incompatible(m.protocol_version);
    return;
  }
  if (m.type === "SNAPSHOT") {
    resyncPending = false;
    live = true;
    attempt = refusals = 0;
    setLink("connected", "connected");
  }
  desk.apply(m);
  const entry = feedEntry(m);
  if (entry) { remember(entry); markDirty("feed"); }
  if (live) lastLiveAt = m.timestamp;
  markDirty("accounts", "account", "positions", "link");
}

function unreadable(reason) {
  // A message this page cannot fold leaves its figures in doubt: say so and ask for a fresh snapshot.
  const title = "Unreadable message from the desk; resyncing";
  remember({ kind: "error", at: new Date().toISOString(), title: title, text: reason });
  markDirty("feed");
  if (!resyncPending) { resyncPending = true; send("RESYNC"); }
}

function incompatible(version) {
  stop();
  setLink("failed", `the desk speaks protocol ${version}, this page ${PROTOCOL_VERSION}: reload the page`);
}

function stop() {
  const ws = socket;
  socket = null;
  live = false;
  if (ws) { ws.onclose = null; ws.close(1000, "viewer closed"); }
  clearTimers();
  markDirty("link");
}

function clearTimers() {
  clearTimeout(retryTimer);
  clearInterval(countdownTimer);
  retryTimer = null;
}

function lost(opened, event) {
  socket = null;
  live = false;
  if (opened) return retry(event.reason ? `closed by the desk: ${event.reason}` : "");
  // The upgrade failed: if the page itself still loads, the desk is up and refused this token.
  fetch("index.html", { cache: "no-store" })
    .then((answer) => answer.ok)
    .catch(() => false)
    .then((deskIsUp) => {
      if (socket !== null || token === null) return;
      refusals = deskIsUp ? refusals + 1 : 0;
      if (refusals < REFUSALS_BEFORE_ASKING) return retry(deskIsUp ? "" : "the desk does not answer");
      refusals = 0;
      keepToken(null);
      stop();
      setLink("failed", "token refused");
      askForToken("The desk refused this token (or this page's address). " +
        "Enter the token from the desk's settings.");
    });
}

function retry(reason) {
  const delay = Math.min(BACKOFF_FIRST_MS * 2 ** attempt, BACKOFF_MAX_MS);
  attempt += 1;
  const due = Date.now() + delay;
  const show = () => {
    const seconds = Math.max(0, Math.ceil((due - Date.now()) / 1000));
    setLink("reconnecting", `reconnecting… next try in ${seconds} s${reason ? ` (${reason})` : ""}`);
  };
  show();
  clearInterval(countdownTimer);
  countdownTimer = setInterval(show, 1000);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}

function drop(reason) {
  stop();  // a dead link may take minutes to report its close: forget it now and start over
  retry(reason);
}

function watch() {
  if (socket === null || socket.readyState !== WebSocket.OPEN) return;
  if (Date.now() - lastHeard > SILENCE_LIMIT_MS) drop("no word from the desk");
  else send("PING");
}

function tryNow() {
  // Back on screen or online again: do not sit out the rest of a long backoff.
  if (token === null || document.hidden) return;
  if (socket === null && retryTimer !== null && $("token-form").hidden) { attempt = 0; connect(); }
  else watch();
}

// ---- start ------------------------------------------------------------------------------------------
function start() {
  $("positions-head").append(...COLUMNS.map((c) => element("th", c.label, c.num ? "num" : "")));
  $("total-label").colSpan = COLUMNS.length - 1;
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = $("token-input").value.trim();
    if (!typed) { askForToken("Enter the viewer token."); return; }
    $("token-input").value = "";
    keepToken(typed);
    attempt = 0;
    connect();
  });
  $("forget-token").addEventListener("click", () => {
    stop();
    keepToken(null);
    setLink("idle", "waiting for the viewer token");
    askForToken("");
  });
  document.addEventListener("visibilitychange", tryNow);
  window.addEventListener("online", tryNow);
  setInterval(watch, PING_EVERY_MS);
  // "Disconnected 3 min ago" grows while an account is down.
  setInterval(() => { if (desk.several) markDirty("accounts", "link"); }, 1000);
  keepToken(tokenFromAddress() || storedToken());
  markDirty("accounts", "account", "positions", "link", "feed");
  connect();
}

start();
