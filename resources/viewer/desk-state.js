/* The desk's state as a viewer holds it: a mirror of app/core/state.py (DeskState.apply), folded from the
   wire messages of app/core/events.py, so a viewer that applied SNAPSHOT + deltas shows what the desk
   holds. Change both together. Every message about one account carries its `account_id` ("" or absent
   for a desk of one account as older desks sent it); the page shows the first account the desk lists. */

// The envelope every message carries; STATUS_UPDATE spreads its TerminalStatus fields next to it.
const ENVELOPE = new Set(["type", "seq", "timestamp", "account_id", "v"]);
// Numbers arrive as JSON numbers, or as "Infinity"/"-Infinity" (the codec's spelling of infinite floats).
const INFINITIES = { Infinity: Infinity, "-Infinity": -Infinity };

/** A wire number as a JavaScript number (NaN for anything else). */
export const num = (value) => (typeof value === "number" ? value : INFINITIES[value] ?? NaN);

/** One account's figures, positions (by ticket) and link status. */
class AccountState {
  constructor(id, name = "") {
    this.id = id;
    this.name = name;
    this.account = null;
    this.positions = new Map();
    this.status = null;
    this.floatingTotal = 0;
  }

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
      case "STATUS_UPDATE":
        this.of(id).status = Object.fromEntries(Object.entries(m).filter(([key]) => !ENVELOPE.has(key)));
        return;
      case "ACCOUNTS_UPDATE": {
        const listed = new Map();
        for (const entry of m.accounts) {
          const state = this.accounts.get(entry.account_id) ?? new AccountState(entry.account_id);
          state.name = entry.name;
          listed.set(entry.account_id, state);
        }
        this.accounts = listed;
        return;
      }
      case "MODELS_UPDATE":
        this.models = [...this.models.filter((model) => model.account_id !== id), ...m.models];
        return;
      case "SNAPSHOT":
        this.accounts = new Map();
        for (const view of m.accounts) {
          const state = new AccountState(view.account_id, view.name);
          state.account = view.account;
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
