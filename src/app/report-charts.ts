import type { TopLevelSpec } from 'vega-lite';

/**
 * Vega-Lite specs for the report's charts, and their rendering to SVG in Node. Charts are rendered
 * ahead of time so the report is one static file: no script, no network, nothing to load.
 */

/** Okabe–Ito: distinguishable under the common colour-vision deficiencies, and in greyscale by order. */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const CONFIG = {
  font: FONT,
  background: '#ffffff',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, gridColor: '#e8e8ee', domainColor: '#888', tickColor: '#888', labelColor: '#333', titleColor: '#222' },
  header: { labelFontSize: 12, labelFontWeight: 600, labelColor: '#222', title: null },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600 },
} as const;

/** One bar: the win rate of an auditor with one affordance set, with its Wilson 95% interval. */
export interface WinRateRow {
  auditor: string;
  affordanceSet: string;
  /** Set for per-environment rows; absent when pooled. */
  environment?: string;
  wins: number;
  games: number;
  rate: number;
  low: number;
  high: number;
}

interface BarOptions {
  affordanceSets: readonly string[];
  auditors: readonly string[];
}

/** Bars with error bars and a `wins/games` label, shared by the pooled and the faceted chart. */
function barLayers(options: BarOptions, compact: boolean) {
  const several = options.auditors.length > 1;
  const offset = several ? { xOffset: { field: 'auditor', type: 'nominal', sort: [...options.auditors] } } : {};
  const colour = several
    ? { color: { field: 'auditor', type: 'nominal', sort: [...options.auditors], scale: { range: OKABE_ITO }, legend: { title: 'auditor', orient: 'top' } } }
    : { color: { value: OKABE_ITO[0] } };
  return [
    {
      mark: { type: 'bar', cornerRadiusEnd: 2 },
      encoding: {
        y: { field: 'rate', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: compact ? 3 : 5 }, title: 'win rate' },
        ...colour,
        ...offset,
      },
    },
    {
      mark: { type: 'errorbar', ticks: { color: '#222' }, rule: { color: '#222' } },
      encoding: { y: { field: 'low', type: 'quantitative', title: 'win rate' }, y2: { field: 'high' }, ...offset },
    },
    {
      mark: { type: 'text', baseline: 'bottom', dy: -3, fontSize: compact ? 9 : 11, color: '#333' },
      encoding: { y: { field: 'high', type: 'quantitative' }, text: { field: 'label' }, ...offset },
    },
  ];
}

const withLabels = (rows: readonly WinRateRow[]) => rows.map((row) => ({ ...row, label: `${row.wins}/${row.games}` }));

/** Win rate per affordance set (per auditor), pooled over the scored environments. */
export function pooledChartSpec(rows: readonly WinRateRow[], options: BarOptions): TopLevelSpec {
  return {
    config: CONFIG,
    width: { step: options.auditors.length > 1 ? 28 * options.auditors.length + 16 : 56 },
    height: 260,
    data: { values: withLabels(rows) },
    encoding: { x: { field: 'affordanceSet', type: 'nominal', sort: [...options.affordanceSets], title: 'affordance set', axis: { labelAngle: -30 } } },
    layer: barLayers(options, false),
  } as TopLevelSpec;
}

/** The same bars, one small chart per environment. */
export function perEnvironmentChartSpec(rows: readonly WinRateRow[], options: BarOptions & { environments: readonly string[] }): TopLevelSpec {
  return {
    config: CONFIG,
    data: { values: withLabels(rows) },
    facet: { field: 'environment', type: 'nominal', sort: [...options.environments], title: null },
    columns: Math.min(4, Math.max(1, options.environments.length)),
    spacing: { row: 24, column: 16 },
    spec: {
      width: { step: options.auditors.length > 1 ? 14 * options.auditors.length + 6 : 26 },
      height: 130,
      encoding: { x: { field: 'affordanceSet', type: 'nominal', sort: [...options.affordanceSets], title: null, axis: { labelAngle: -40, labelFontSize: 9 } } },
      layer: barLayers(options, true),
    },
  } as TopLevelSpec;
}

export interface HeatmapCell {
  tool: string;
  organism: string;
  /** null where the probe was skipped or failed. */
  score: number | null;
  label: string;
}

/** The technique × organism matrix as a heatmap of probe scores. */
export function techniqueHeatmapSpec(cells: readonly HeatmapCell[], options: { tools: readonly string[]; organisms: readonly string[] }): TopLevelSpec {
  return {
    config: CONFIG,
    data: { values: [...cells] },
    width: { step: 44 },
    height: { step: 26 },
    encoding: {
      x: { field: 'tool', type: 'nominal', sort: [...options.tools], title: 'technique probe', axis: { labelAngle: -40, orient: 'top', labelLimit: 220 } },
      y: { field: 'organism', type: 'nominal', sort: [...options.organisms], title: null, axis: { labelLimit: 280 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'score',
            type: 'quantitative',
            scale: { scheme: 'viridis', domain: [0, 1] },
            legend: { title: 'score', format: '.0%', orient: 'right' },
            condition: { test: 'datum.score === null', value: '#e4e4ea' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.score !== null && datum.score < 0.6', value: '#ffffff' }, value: '#111111' },
        },
      },
    ],
  } as TopLevelSpec;
}

// Vega's log level for errors only (its typings do not name the constant): a warning would end up in the CLI's output.
const VEGA_ERRORS_ONLY = 1;

/** Compiles Vega-Lite specs and renders each to an SVG string, headless (no canvas, no DOM). */
export async function renderCharts<K extends string>(specs: Readonly<Partial<Record<K, TopLevelSpec>>>): Promise<Partial<Record<K, string>>> {
  // Loaded here, not at the top, so that commands which draw no chart start fast.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const out: Partial<Record<K, string>> = {};
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    if (spec === undefined) continue;
    const compiled = vegaLite.compile(spec).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: VEGA_ERRORS_ONLY });
    try {
      out[key] = await view.toSVG();
    } finally {
      view.finalize();
    }
  }
  return out;
}
