/* The desk's state as a viewer holds it: a mirror of app/core/state.py (DeskState.apply), folded from the
   wire messages of app/core/events.py, so a viewer that applied SNAPSHOT + deltas shows what the desk
   holds. Change both together. Every message about one account carries its `account_id` ("" or absent
   for a desk of one account as older desks sent it); the account figures show the first account the desk
   lists, the accounts strip and the positions table every account. */

// The envelope every message carries; STATUS_UPDATE spreads its TerminalStatus fields next to it.
const ENVELOPE = new Set(["type", "seq", "timestamp", "account_id", "v"]);
// Numbers arrive as JSON numbers, or as "Infinity"/"-Infinity" (the codec's spelling of infinite floats).
const INFINITIES = { Infinity: Infinity, "-Infinity": -Infinity };

/** A wire number as a JavaScript number (NaN for anything else). */
export const num = (value) => (typeof value === "number" ? value : INFINITIES[value] ?? NaN);

/** One account's figures, positions (by ticket) and link status. */
class AccountState {
  constructor(id, name = "", enabled = true) {
    this.id = id;
    this.name = name;
    this.enabled = enabled;
    this.downSince = null;  // when its link was last seen leaving "connected" (the strip's "3 min ago")
    this.account = null;
    this.positions = new Map();
    this.status = null;
    this.floatingTotal = 0;
  }

  get label() { return this.name || this.id; }

  refreshFloating() {
    let total = 0;
    for (const p of this.positions.values()) total += num(p.profit) + num(p.swap);
    this.floatingTotal = total;
  }
}

/** Every account's state in the desk's order, and the models, as the desk's DeskState holds them. */
export class DeskState {
  constructor() {
    this.accounts = new Map();
    this.models = [];
  }

  /** The account this page shows: the first the desk lists. */
  get shown() {
    return this.accounts.values().next().value ?? new AccountState("");
  }

  get account() { return this.shown.account; }
  get positions() { return this.shown.positions; }
  get status() { return this.shown.status; }
  get floatingTotal() { return this.shown.floatingTotal; }

  /** More than one account: the strip, the Account column and per-currency totals are shown. */
  get several() { return this.accounts.size > 1; }

  /** Every open position with its account id, account by account. */
  *allPositions() {
    for (const [id, state] of this.accounts) for (const p of state.positions.values()) yield [id, p];
  }

  /** Balance, equity, floating P&L and margin summed per currency over the switched-on accounts whose
   *  figures are known (money of two currencies is never added), in first-seen order. */
  totals() {
    const sums = new Map();
    for (const state of this.accounts.values()) {
      const a = state.account;
      if (a === null || !state.enabled) continue;
      const row = sums.get(a.currency) ?? { currency: a.currency, accounts: 0, balance: 0, equity: 0, floating: 0, margin: 0 };
      row.accounts += 1;
      row.balance += num(a.balance);
      row.equity += num(a.equity);
      row.floating += num(a.profit);
      row.margin += num(a.margin);
      sums.set(a.currency, row);
    }
    return [...sums.values()];
  }

  of(id) {
    let state = this.accounts.get(id);
    if (!state) this.accounts.set(id, (state = new AccountState(id)));
    return state;
  }

  /** Fold one message in; messages that carry no state (HELLO, PING, feed events) change nothing. */
  apply(m) {
    const id = m.account_id ?? "";
    switch (m.type) {
      case "POSITIONS_UPDATE": {
        const state = this.of(id);
        for (const ticket of m.changes.removed) state.positions.delete(ticket);
        for (const p of m.positions) state.positions.set(p.ticket, p);
        state.refreshFloating();
        return;
      }
      case "PNL_UPDATE": {
        // Keyed by the ticket as a string; tickets the desk no longer holds are ignored, as there.
        const state = this.of(id);
        for (const [key, [price, profit]] of Object.entries(m.pnl)) {
          const ticket = Number(key);
          const current = state.positions.get(ticket);
          if (current) state.positions.set(ticket, { ...current, price_current: price, profit: profit });
        }
        state.floatingTotal = num(m.floating_total);
        if (state.account) state.account = { ...state.account, equity: m.equity, profit: m.floating_total };
        return;
      }
      case "ACCOUNT_UPDATE":
        this.of(id).account = m.account;
        return;
      case "STATUS_UPDATE": {
        const state = this.of(id);
        state.status = Object.fromEntries(Object.entries(m).filter(([key]) => !ENVELOPE.has(key)));
        state.downSince = downSince(state.downSince, state.status, m.timestamp);
        return;
      }
      case "ACCOUNTS_UPDATE": {
        const listed = new Map();
        for (const entry of m.accounts) {
          const state = this.accounts.get(entry.account_id) ?? new AccountState(entry.account_id);
          state.name = entry.name;
          state.enabled = entry.enabled ?? true;
          listed.set(entry.account_id, state);
        }
        this.accounts = listed;
        return;
      }
      case "MODELS_UPDATE":
        this.models = [...this.models.filter((model) => model.account_id !== id), ...m.models];
        return;
      case "SNAPSHOT":
        const before = this.accounts;
        this.accounts = new Map();
        for (const view of m.accounts) {
          const state = new AccountState(view.account_id, view.name, view.enabled ?? true);
          state.account = view.account;
          state.downSince = downSince(before.get(view.account_id)?.downSince ?? null, view.status, m.timestamp);
          state.positions = new Map(view.positions.map((p) => [p.ticket, p]));
          state.status = view.status;
          state.refreshFloating();
          this.accounts.set(view.account_id, state);
        }
        this.models = m.models;
        return;
    }
  }
}

/** Since when an account's link has been down: kept while it stays down, cleared once connected. */
function downSince(previous, status, at) {
  if (!status || status.state === "connected") return null;
  return previous ?? status.last_heartbeat ?? at;
}
