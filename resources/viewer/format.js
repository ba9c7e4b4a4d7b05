/* How the viewer writes figures and events for a person; plain strings, inserted with textContent.
   The figures follow app/core/number_format.py rule for rule (tests/remote/test_viewer_format.py runs
   both on the same numbers): "1,234.50" whatever the reader's locale, rounded as Python's format() rounds,
   on the number's exact binary value, an exact half going to the even digit. */
import { num } from "./desk-state.js";

export const NO_PRICE = "—";
const FALLBACK_DECIMALS = 8;

const EXACT = 60;  // fraction digits enough to tell an exact half from a number merely near one

/** Python's f"{value:.{digits}f}". toFixed also rounds the exact binary value, but takes an exact half
    upwards where Python takes the even neighbour (0.125 -> "0.12", 2.5 -> "2"). */
function decimals(value, digits) {
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const size = Math.abs(value);
  const nearest = size.toFixed(digits);
  if (!size.toFixed(digits + 1).endsWith("5")) return sign + nearest;  // cannot be an exact half
  const exact = size.toFixed(Math.min(100, digits + EXACT));
  const tail = exact.slice(exact.length - (Math.min(100, digits + EXACT) - digits));
  if (!/^50*$/.test(tail)) return sign + nearest;
  const down = exact.slice(0, exact.length - tail.length).replace(/\.$/, "");
  return sign + (Number(down.slice(-1)) % 2 === 0 ? down : nearest);
}

const grouped = (text) => {
  const [whole, fraction] = text.split(".");
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
};

/** Python's round(value, digits). */
const rounded = (value, digits) => Number(decimals(value, digits));

/** `value` with exactly `digits` decimals and thousands separators; "—" when it is not a number. */
export function fixed(value, digits) {
  const n = num(value);
  if (Number.isNaN(n)) return NO_PRICE;
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  return grouped(decimals(n, digits));
}

/** At most 8 decimals, trailing zeros dropped: 1.085, 57451.94, 2 (number_format.trimmed). */
export function trimmed(value) {
  const text = decimals(num(value), FALLBACK_DECIMALS).replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" || text === "" ? "0" : text;
}

/** A price at its symbol's `digits` (null: as many decimals as it has); "—" for none (no SL/TP). */
export function price(value, digits) {
  if (value === null || value === undefined) return NO_PRICE;
  if (digits === null || digits === undefined) return trimmed(value);
  return decimals(num(value), digits);
}

/** Lots as MT5 shows them: two decimals, or as many as a finer volume step needs (up to 8). */
export function volume(value) {
  const lots = rounded(num(value), 8);
  if (rounded(lots, 2) === lots) return decimals(lots, 2);
  return decimals(lots, 8).replace(/0+$/, "");
}

/** Money with thousands separators at `digits`; `signed` puts "+" on gains; the currency follows. */
export function money(value, digits = 2, currency = "", signed = false) {
  const n = num(value);
  if (Number.isNaN(n)) return NO_PRICE;
  const amount = rounded(n, digits);
  let text;
  if (amount === 0) text = (0).toFixed(digits);  // no "-0.00" for a loss that rounds away
  else text = (signed && amount > 0 ? "+" : "") + grouped(decimals(amount, digits));
  return currency ? `${text} ${currency}` : text;
}

export const pnl = (value, digits = 2) => money(value, digits, "", true);

/** Pips with one decimal and a sign: "+12.3 pips". */
export function pips(value) {
  const amount = rounded(num(value), 1);
  if (amount === 0) return "0.0 pips";
  return `${amount > 0 ? "+" : ""}${grouped(decimals(amount, 1))} pips`;
}

export const percent = (value) => `${decimals(num(value) * 100, 0)}%`;
export const side = (value) => String(value);
export const signClass = (value) => {
  const n = num(value);
  return n > 0 ? "up" : n < 0 ? "down" : "";
};

/** An ISO-8601 time as local time, with the date when it is not today. */
export function clock(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return "";
  const today = new Date().toDateString() === when.toDateString();
  return today ? when.toLocaleTimeString() : when.toLocaleString();
}

/** The feed line for an auto-trade, a failed order, a notice or a server ERROR; null for other messages.
    An auto-trade reads as the desk's Event log writes it (app/core/event_text.py). */
export function feedEntry(m) {
  const at = m.timestamp;
  switch (m.type) {
    case "AUTO_TRADE_EXECUTED":
      return {
        kind: "auto",
        at: at,
        title: `Auto-trade ${side(m.direction)} ${volume(m.lot_size)} ${m.symbol}`,
        text: `${m.model_name} at ${price(m.entry_price, m.digits)}, confidence ${percent(m.confidence)} · ` +
          `SL ${price(m.stop_loss, m.digits)} · TP ${price(m.take_profit, m.digits)} · trade ${m.trade_id}`,
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
