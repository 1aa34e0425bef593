/**
 * The cron schedules Kubernetes CronJobs accept: five fields (minute hour day-of-month month
 * day-of-week) or a descriptor, as robfig/cron's standard parser (vendored by kube-controller-manager)
 * reads them: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, day of week 0-6 or
 * SUN-SAT, `?` allowed for the two day fields. `@every` is left out on purpose (not a calendar time). Each field is `*`,
 * a value, a range `a-b`, a step `*\/n` or `a-b/n`, or a comma list of those.
 */
import { leaf } from './schema.js';

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}
const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  // robfig/cron (the parser of the CronJob controller) knows 0-6 only: 7 is not Sunday there.
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

function valueOf(text: string, f: CronField): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? i + (f.name === 'month' ? 1 : 0) : undefined;
}

/** Why one field is wrong, or undefined. */
function fieldError(text: string, f: CronField): string | undefined {
  const range = `${f.min}-${f.max}${f.names ? ` or ${f.names[0]}-${f.names[f.names.length - 1]}` : ''}`;
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return `'${part}' is not a value, range or step`;
    const [, span, step] = m;
    if (step !== undefined && Number(step) === 0) return `step '/0' never fires; use a step of 1 or more`;
    if (span === '*' || (span === '?' && f.name.startsWith('day'))) continue;
    const [lo, hi, extra] = span!.split('-');
    if (extra !== undefined) return `'${part}' is not a range`;
    const a = valueOf(lo!, f);
    const b = hi === undefined ? a : valueOf(hi, f);
    if (a === undefined || b === undefined) return `'${part}' is not a number or name`;
    for (const n of [a, b]) if (n < f.min || n > f.max) return `${n} is out of range (${range})`;
    if (a > b) return `range '${span}' runs backwards`;
  }
  return undefined;
}

export const cronSchedule = leaf((v) => {
  const fix = 'use a 5-field cron schedule (minute hour day-of-month month day-of-week) such as "30 3 * * *", or "@daily"';
  if (typeof v !== 'string') return `must be a cron schedule string, got ${JSON.stringify(v)}; ${fix}`;
  if (DESCRIPTORS.includes(v.trim())) return undefined;
  if (/^(CRON_)?TZ=/.test(v.trim())) return `'${v}' sets a time zone in the schedule, which Kubernetes refuses; ${fix}`;
  const fields = v.trim().split(/\s+/);
  if (fields.length !== 5) return `'${v}' has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5; ${fix}`;
  for (let i = 0; i < 5; i++) {
    const err = fieldError(fields[i]!, FIELDS[i]!);
    if (err) return `'${v}': the ${FIELDS[i]!.name} field ${err}; ${fix}`;
  }
  return undefined;
});
