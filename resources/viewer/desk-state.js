/* The desk's state as a viewer holds it: a mirror of app/core/state.py (DeskState.apply), folded from the
   wire messages of app/core/events.py, so a viewer that applied SNAPSHOT + deltas shows what the desk
   holds. Change both together. */

// The envelope every message carries; STATUS_UPDATE spreads its TerminalStatus fields next to it.
const ENVELOPE = new Set(["type", "seq", "timestamp", "v"]);
// Numbers arrive as JSON numbers, or as "Infinity"/"-Infinity" (the codec's spelling of infinite floats).
const INFINITIES = { Infinity: Infinity, "-Infinity": -Infinity };

/** A wire number as a JavaScript number (NaN for anything else). */
export const num = (value) => (typeof value === "number" ? value : INFINITIES[value] ?? NaN);

/** Latest account, positions (by ticket), terminal status and models, as the desk's DeskState holds them. */
export class DeskState {
  constructor() {
    this.account = null;
    this.positions = new Map();
    this.status = null;
    this.models = [];
    this.floatingTotal = 0;
  }

  /** Fold one message in; messages that carry no state (HELLO, PING, feed events) change nothing. */
  apply(m) {
    switch (m.type) {
      case "POSITIONS_UPDATE":
        for (const ticket of m.changes.removed) this.positions.delete(ticket);
        for (const p of m.positions) this.positions.set(p.ticket, p);
        this.refreshFloating();
        return;
      case "PNL_UPDATE":
        // Keyed by the ticket as a string; tickets the desk no longer holds are ignored, as there.
        for (const [key, [price, profit]] of Object.entries(m.pnl)) {
          const ticket = Number(key);
          const current = this.positions.get(ticket);
          if (current) this.positions.set(ticket, { ...current, price_current: price, profit: profit });
        }
        this.floatingTotal = num(m.floating_total);
        if (this.account) this.account = { ...this.account, equity: m.equity, profit: m.floating_total };
        return;
      case "ACCOUNT_UPDATE":
        this.account = m.account;
        return;
      case "STATUS_UPDATE":
        this.status = Object.fromEntries(Object.entries(m).filter(([key]) => !ENVELOPE.has(key)));
        return;
      case "SNAPSHOT":
        this.account = m.account;
        this.positions = new Map(m.positions.map((p) => [p.ticket, p]));
        this.status = m.status;
        this.models = m.models;
        this.refreshFloating();
        return;
    }
  }

  refreshFloating() {
    let total = 0;
    for (const p of this.positions.values()) total += num(p.profit) + num(p.swap);
    this.floatingTotal = total;
  }
}
