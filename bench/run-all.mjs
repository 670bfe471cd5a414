// `npm run bench`: runs every benchmark in its own process, one after another (so none competes with
// another for the cores), then rewrites the summary table in bench/README.md from the JSON results.
//
//   node bench/run-all.mjs                 every benchmark, then the table
//   node bench/run-all.mjs runner          only the named ones, then the table from all results
//   node bench/run-all.mjs --table         only the table, from the results already written
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, log, resultsDir } from './lib.mjs';

const BENCHMARKS = [
  { name: 'runtime', title: 'Runtime: the micro-organism transformer against onnxruntime-node on the same model' },
  { name: 'runner', title: 'Runner: overhead, concurrency, resume and memory' },
  { name: 'statistics', title: 'Statistics: adaptive stopping' },
  { name: 'main-job', title: 'Main job: `npm start` on one worker and on the pool' },
];

const args = process.argv.slice(2);
const tableOnly = args.includes('--table');
const wanted = args.filter((arg) => !arg.startsWith('--'));
const unknown = wanted.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}: use one of ${BENCHMARKS.map((benchmark) => benchmark.name).join(', ')}`);
  process.exit(2);
}

const failed = [];
if (!tableOnly) {
  for (const { name } of BENCHMARKS.filter((benchmark) => wanted.length === 0 || wanted.includes(benchmark.name))) {
    log(`benchmark ${name}`);
    const started = performance.now();
    const result = spawnSync(process.execPath, [join(benchDir, `${name}.mjs`)], { stdio: 'inherit' });
    log(`benchmark ${name}: ${result.status === 0 ? 'done' : `failed (exit ${result.status ?? result.signal})`} in ${Math.round((performance.now() - started) / 1000)} s`);
    if (result.status !== 0) failed.push(name);
  }
}

const number = (value) => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value).toLocaleString('en');
  if (magnitude >= 1) return value.toFixed(2).replace(/\.?0+$/, '');
  if (magnitude === 0) return '0';
  return value.toPrecision(3);
};
const quantity = ({ value, unit }) => `${number(value)}${unit === '' ? '' : ` ${unit}`}`;
const cell = (text) => String(text).replaceAll('|', '\\|');

const sections = [];
let goals = 0;
let met = 0;
for (const { name, title } of BENCHMARKS) {
  const file = join(resultsDir, `${name}.json`);
  if (!existsSync(file)) {
    sections.push(`### ${title}\n\nNo results yet: run \`npm run bench\`.`);
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  const lines = [
    `### ${title}`,
    '',
    `\`bench/results/${name}.json\`, ${result.date.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.model}, Node ${result.machine.node}${failed.includes(name) ? ' — **this run failed; these are the previous results**' : ''}.`,
    '',
    '| figure | measured | reference (same run) | ratio | goal | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const entry of result.rows) {
    const goal = entry.goal;
    if (goal !== null) {
      goals++;
      if (goal.met) met++;
    }
    lines.push(
      `| ${cell(entry.figure)} | ${cell(quantity(entry.measured))} | ${cell(`${quantity(entry.reference)} (${entry.reference.label})`)} | ${entry.ratioNote === undefined ? `${number(entry.ratio)}×` : cell(entry.ratioNote)} | ${goal === null ? '–' : cell(goal.text)} | ${goal === null ? '–' : goal.met ? 'met' : '**not met**'} |`,
    );
  }
  sections.push(lines.join('\n'));
}

const START = '<!-- results: written by bench/run-all.mjs -->';
const END = '<!-- end of results -->';
const readme = join(benchDir, 'README.md');
const text = readFileSync(readme, 'utf8');
const at = text.indexOf(START);
const end = text.indexOf(END);
if (at === -1 || end === -1) throw new Error(`bench/README.md lacks the markers ${START} … ${END}`);
const generated = `${START}\n\n${goals} goals, ${met} met.\n\n${sections.join('\n\n')}\n\n${END}`;
writeFileSync(readme, `${text.slice(0, at)}${generated}${text.slice(end + END.length)}`);
log(`table written to bench/README.md: ${goals} goals, ${met} met`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
