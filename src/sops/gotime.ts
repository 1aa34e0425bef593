/**
 * The two Go time behaviours sops depends on:
 *  - yaml.v3 resolving a plain scalar as a timestamp (`resolve.go parseTimestamp`), re-encoded by
 *    `Time.MarshalText()` (RFC 3339 with nanoseconds, trailing zeros trimmed) for the MAC;
 *  - `time.Parse(time.RFC3339, lastmodified)` then `Format(time.RFC3339)` for the MAC's AAD.
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function daysIn(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  frac: string;
  zone: string; // 'Z' or ±hh:mm
}

function valid(p: Parts): boolean {
  return p.mo >= 1 && p.mo <= 12 && p.d >= 1 && p.d <= daysIn(p.mo, p.y) && p.h < 24 && p.mi < 60 && p.s < 60 && zoneOk(p.zone);
}

function zoneOk(z: string): boolean {
  if (z === 'Z') return true;
  const m = /^[+-](\d{2}):(\d{2})$/.exec(z);
  return !!m && Number(m[1]) < 24 && Number(m[2]) < 60;
}

function normZone(z: string): string {
  return z === 'Z' || /^[+-]00:00$/.test(z) ? 'Z' : z;
}

const TS_ZONED = /^(\d{4})-(\d{1,2})-(\d{1,2})[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/;
const TS_SPACE = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?$/;
const TS_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

/**
 * yaml.v3 timestamp resolution of a plain scalar. Returns Go's `MarshalText()` of the parsed time,
 * or undefined when yaml.v3 would not read it as a timestamp.
 */
export function yamlTimestamp(s: string): string | undefined {
  let m: RegExpExecArray | null;
  let p: Parts | undefined;
  if ((m = TS_ZONED.exec(s))) p = parts(m, m[7] ?? '', m[8]!);
  else if ((m = TS_SPACE.exec(s))) p = parts(m, m[7] ?? '', 'Z');
  else if ((m = TS_DATE.exec(s))) p = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0, frac: '', zone: 'Z' };
  if (!p || !valid(p)) return undefined;
  const frac = p.frac.slice(0, 9).replace(/0+$/, '');
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${frac ? '.' + frac : ''}${normZone(p.zone)}`;
}

function parts(m: RegExpExecArray, frac: string, zone: string): Parts {
  return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]), frac, zone };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `time.Parse(time.RFC3339, s).Format(time.RFC3339)`: the AAD sops uses for the MAC.
 * Fractional seconds are dropped, a zero offset becomes `Z`. Undefined if Go would reject `s`.
 */
export function rfc3339Aad(s: string): string | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const p: Parts = { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]), frac: '', zone: m[7]! };
  if (!valid(p)) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${normZone(p.zone)}`;
}

/** `time.Now().UTC().Format(time.RFC3339)` for a given instant: second precision, `Z`. */
export function formatLastModified(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid date');
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
