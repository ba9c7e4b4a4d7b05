/* How the viewer writes figures and events for a person; plain strings, inserted with textContent. */
import { num } from "./desk-state.js";

/** `value` with exactly `digits` decimals in the reader's locale; "—" when it is not a number. */
export function fixed(value, digits, options) {
  const n = num(value);
  if (Number.isNaN(n)) return "—";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  const shape = { minimumFractionDigits: digits, maximumFractionDigits: digits, ...options };
  return n.toLocaleString(undefined, shape);
}

export const money = (value, digits = 2) => fixed(value, digits);
export const pnl = (value, digits = 2) => fixed(value, digits, { signDisplay: "exceptZero" });
export const volume = (value) => fixed(value, 2);
export const percent = (value) => fixed(num(value) * 100, 0) + " %";
export const side = (value) => (value === "BUY" ? "Buy" : value === "SELL" ? "Sell" : String(value));
export const signClass = (value) => {
  const n = num(value);
  return n > 0 ? "up" : n < 0 ? "down" : "";
};

// The wire carries no symbol precision; MT5 quotes FX at 5 (JPY 3) digits and metals and indices at 2.
function priceDigits(reference) {
  const n = Math.abs(num(reference));
  return n >= 1000 ? 2 : n >= 10 ? 3 : 5;
}

/** A price at the precision of its `reference` (the position's open price); "—" for none (no SL/TP). */
export const price = (value, reference = value) =>
  value === null || value === undefined ? "—" : fixed(value, priceDigits(reference), { useGrouping: false });

/** An ISO-8601 time as local time, with the date when it is not today. */
export function clock(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const today = new Date().toDateString() === when.toDateString();
  return today ? when.toLocaleTimeString() : when.toLocaleString();
}

/** The feed line for an auto-trade, a failed order, a notice or a server ERROR; null for other messages. */
export function feedEntry(m) {
  const at = m.timestamp;
  switch (m.type) {
    case "AUTO_TRADE_EXECUTED":
      return {
        kind: "auto",
        at: at,
        title: `Auto-trade: ${side(m.direction)} ${volume(m.lot_size)} ${m.symbol} at ${price(m.entry_price)}`,
        text: `${m.model_name} · confidence ${percent(m.confidence)} · SL ${price(m.stop_loss)} · ` +
          `TP ${price(m.take_profit)} · trade ${m.trade_id}`,
      };
    case "TRADE_ERROR":
      return {
        kind: "error",
        at: at,
        title: `Order not executed: ${m.order_type} ${m.symbol}`,
        text: m.error + (m.code === null ? "" : ` (terminal code ${m.code})`) + ` · trade ${m.trade_id}`,
      };
    case "NOTICE":
      return { kind: m.level, at: at, title: m.title, text: m.text };
    case "ERROR":
      return { kind: "error", at: at, title: "The desk refused a message from this page", text: m.text };
  }
  return null;
}
