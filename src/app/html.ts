/**
 * HTML built only through `html`: every interpolated value is escaped unless it is already `Html`,
 * so model, tool and auditor text can never become markup.
 */
export class Html {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ENTITIES[char] ?? char);
}

export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

function render(value: Fragment): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map((item: Fragment) => render(item)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

/** A path under the viewer with each segment and query value encoded; data never forms a scheme. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const search = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return search === '' ? path : `${path}?${search}`;
}

export const gameHref = (id: string) => `/games/${encodeURIComponent(id)}`;
export const experimentHref = (id: string, query: Record<string, string | number | undefined> = {}) => href(`/experiments/${encodeURIComponent(id)}`, query);

/** Text trimmed for a table cell; the full text stays available as the title. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const percent = (value: number, digits = 0) => `${(100 * value).toFixed(digits)}%`;

/** One of eleven heat classes (0 cold to 10 hot), so colour needs no inline style under the CSP. */
export function heat(value: number): string {
  const level = Number.isFinite(value) ? Math.round(10 * Math.min(1, Math.max(0, value))) : 0;
  return `heat-${level}`;
}

/** A win-rate class, from pale (0%) to deep green (100%): success reads as green, not as heat. */
export function rateClass(value: number): string {
  const level = Number.isFinite(value) ? Math.round(10 * Math.min(1, Math.max(0, value))) : 0;
  return `good-${level}`;
}

/** A signed heat class: blue for negative, red for positive, scaled by `max`. */
export function signedHeat(value: number, max: number): string {
  if (!Number.isFinite(value) || max <= 0) return 'heat-0';
  const level = Math.round(10 * Math.min(1, Math.abs(value) / max));
  return value < 0 ? `cool-${level}` : `heat-${level}`;
}

export const shortTime = (iso: string | null | undefined) => (iso === null || iso === undefined ? '' : iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''));
