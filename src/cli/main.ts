import { mkdirSync, existsSync } from 'node:fs';
import { openAtomicStream, writeFileAtomic } from '../store/atomic-file.js';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { z } from 'zod';
import { describeSuite, listCatalog, parseCatalogKind, CATALOG_KINDS } from '../app/catalog.js';
import { builtinSuites } from '../app/suites.js';
import type { AppOptions } from '../app/context.js';
import { loadPlugins } from '../app/plugins.js';
import { createBuiltinCatalog } from '../app/builtin-catalog.js';
import type { Catalog } from '../core/catalog.js';
import { resumeExperiment, runExperimentFile, type RunResult } from '../app/experiments.js';
import { exportExperiment, parseExportFormat } from '../app/export.js';
import { getGame } from '../app/games.js';
import type { RerunResult, StoredEvaluation } from '../app/evaluations.js';
import { verdictText } from '../core/auditors/eval-agent.js';
import { describeRule, describeRun } from '../core/tools/evaluation-tool.js';
import { regradeExperiment } from '../app/grading.js';
import { specSchemas } from '../app/schemas.js';
import { buildOrganisms, serveMicroOrganism, trainOrganismDictionary, verifyOrganisms } from '../app/micro-organisms.js';
import { verifySuite } from '../app/suite-health.js';
import { PluginParams } from '../contracts/common.js';
import { AuditgymError, UserError } from '../core/errors.js';
import type { MainJobResult } from '../app/main-job.js';
import { progressReporter } from './progress.js';
import { renderCells, renderGame, renderHealth, renderSweep, renderTechniqueMatrix, table } from './render.js';

/** Exit codes: 0 ok, 1 some games failed, 2 bad input, 3 an internal error, 130 interrupted. */
export const EXIT = { ok: 0, gamesFailed: 1, badInput: 2, internal: 3, interrupted: 130 } as const;

interface GlobalFlags {
  db?: string | undefined;
  json?: boolean | undefined;
  plugin?: string[] | undefined;
}

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function parseFlag<T>(schema: z.ZodType<T>, value: unknown, field: string, fix: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UserError('invalid-flag', `${field}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`, { field, fix });
  return parsed.data;
}

export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('auditgym')
    .description('Alignment auditing games: organisms with hidden behaviours, auditors with tools, graded against sealed ground truth.')
    .version('0.1.0')
    .option('--db <path>', 'the store (default: .auditgym/auditgym.db in the project, or $AUDITGYM_DB)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option(
      '--plugin <module>',
      'load plug-ins (tools, auditors, graders, providers, organism sources) from an ES module that exports register(catalog); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .showHelpAfterError('(run auditgym --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });

  // Plug-in modules are loaded once, before the command runs, onto one catalog every command shares.
  let catalog: Catalog | undefined;
  program.hook('preAction', async (_program, action) => {
    const plugins = action.optsWithGlobals<GlobalFlags>().plugin ?? [];
    if (plugins.length > 0) catalog = await loadPlugins(plugins, createBuiltinCatalog(), io.cwd);
  });
  const appOptions = (command: Command): AppOptions & GlobalFlags => {
    const flags = command.optsWithGlobals<GlobalFlags>();
    return { cwd: io.cwd, env: io.env, db: flags.db === undefined ? undefined : resolve(io.cwd, flags.db), json: flags.json === true, catalog };
  };
  const print = (json: boolean | undefined, data: unknown, text: () => string) => {
    io.stdout.write(json === true ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
  };

  program
    .command('list')
    .description(`list ${CATALOG_KINDS.join(', ')}`)
    .argument('<kind>', CATALOG_KINDS.join('|'))
    .action(async (kind: string, _options: unknown, command: Command) => {
      const options = appOptions(command);
      const parsed = parseCatalogKind(kind);
      const items = await listCatalog(parsed, options);
      print(options.json, items, () => renderList(parsed, items));
    });

  program
    .command('run')
    .description('run an experiment file, or resume a stored experiment')
    .argument('[experiment]', 'experiment spec (.yaml, .yml or .json)')
    .option('--resume <id>', 'rerun only the games of this experiment that did not finish')
    .option('--retry-errors', 'with --resume, also rerun games that ended in an error')
    .action(async (file: string | undefined, flags: { resume?: string; retryErrors?: boolean }, command: Command) => {
      const options = appOptions(command);
      if ((file === undefined) === (flags.resume === undefined)) {
        throw new UserError('invalid-flag', 'give an experiment file or --resume <id>, not both or neither', {
          field: 'experiment',
          fix: 'auditgym run experiment.yaml, or auditgym run --resume <experiment-id>',
        });
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const progress = options.json === true ? undefined : progressReporter(io.stderr, 'auditgym');
      try {
        const run = { ...options, signal: controller.signal, onProgress: progress?.update };
        const result =
          flags.resume !== undefined ? await resumeExperiment(flags.resume, { ...run, retryErrors: flags.retryErrors === true }) : await runExperimentFile(resolve(io.cwd, file as string), run);
        progress?.done();
        print(options.json, result, () => renderRun(result));
        exitCode = result.interrupted > 0 ? EXIT.interrupted : result.failed > 0 ? EXIT.gamesFailed : EXIT.ok;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  program
    .command('show')
    .description('print a game: its transcript, report and grades')
    .argument('<game>', 'game id (a unique prefix is enough)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = appOptions(command);
      const view = await getGame(id, options);
      print(options.json, view, () => renderGame(view));
    });

  program
    .command('grade')
    .description('score the stored reports of an experiment again, without rerunning games')
    .argument('<experiment>', 'experiment id')
    .requiredOption('--grader <id>', 'grader id (see auditgym list graders)')
    .option('--params <json>', 'grader parameters as a JSON object', '{}')
    .action(async (experimentId: string, flags: { grader: string; params: string }, command: Command) => {
      const options = appOptions(command);
      const params = parseFlag(PluginParams, safeJson(flags.params), '--params', 'pass a JSON object, e.g. --params \'{"maxClaims": 5}\'');
      const result = await regradeExperiment(experimentId, { id: flags.grader, params }, options);
      print(
        options.json,
        result,
        () =>
          `${result.grader}: graded ${result.graded} games, ${result.wins} wins, mean score ${result.meanScore.toFixed(2)}${result.errors.length > 0 ? `, ${result.errors.length} could not be graded` : ''}`,
      );
      exitCode = result.errors.length > 0 ? EXIT.gamesFailed : EXIT.ok;
    });

  const evaluations = program.command('eval').description('behavioural evaluations written by the eval-agent auditor: show one, or run it again on any model');
  evaluations
    .command('show')
    .description("print the evaluation a game ran (its prompts and rule) and the harness's verdict")
    .argument('<game>', 'game id (a unique prefix is enough)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const options = appOptions(command);
      const { storedEvaluation } = await import('../app/evaluations.js');
      const stored = await storedEvaluation(id, options);
      print(options.json, stored, () => renderEvaluation(stored));
    });
  evaluations
    .command('rerun')
    .description('run the evaluation a game stored again, with the same prompts, rule and seeds, on any model (and a reference to compare with)')
    .argument('<game>', 'game id (a unique prefix is enough)')
    .requiredOption('--model <model>', 'the model to run it on (provider:model)')
    .option('--reference <model>', 'a model to compare with, as the game compared the target with its reference (provider:model)')
    .option('--judge <model>', "the judge, for an evaluation whose rule is a judge's question (provider:model)")
    .option('--model-options <json>', 'provider options for --model and --reference, e.g. \'{"baseUrl": "http://localhost:8000/v1"}\'')
    .action(async (id: string, flags: { model: string; reference?: string; judge?: string; modelOptions?: string }, command: Command) => {
      const options = appOptions(command);
      const modelOptions =
        flags.modelOptions === undefined
          ? undefined
          : parseFlag(PluginParams, safeJson(flags.modelOptions), '--model-options', 'pass a JSON object, e.g. --model-options \'{"baseUrl": "http://localhost:8000/v1"}\'');
      const { rerunEvaluation } = await import('../app/evaluations.js');
      const result = await rerunEvaluation(id, { model: flags.model, reference: flags.reference, judge: flags.judge, modelOptions }, options);
      print(options.json, result, () => renderRerun(result));
    });

  program
    .command('export')
    .description('export an experiment: every game with transcript, report and grades')
    .argument('<experiment>', 'experiment id')
    .addOption(new Option('--format <format>', 'jsonl, or inspect (a folder of Inspect eval logs)').default('jsonl'))
    .option('-o, --output <path>', 'jsonl: write to a file instead of stdout; inspect: the folder to write (required)')
    .action(async (experimentId: string, flags: { format: string; output?: string }, command: Command) => {
      const options = appOptions(command);
      const format = parseExportFormat(flags.format);
      if (format === 'inspect') {
        const { exportInspectLogs } = await import('../app/export-inspect.js');
        const written = await exportInspectLogs(experimentId, flags.output, options);
        print(options.json, written, () => `wrote ${written.files.length} Inspect logs (${written.samples} samples) to ${written.dir}`);
        return;
      }
      // A file is written under a temporary name and renamed into place only when the export is complete.
      const file = flags.output === undefined ? undefined : await openAtomicStream(resolve(io.cwd, flags.output), '--output');
      const out = file?.stream ?? io.stdout;
      const write = (line: string) => (out.write(line) ? undefined : new Promise<void>((done) => out.once('drain', () => done())));
      try {
        const { games } = await exportExperiment(experimentId, format, write, options);
        await file?.commit();
        if (flags.output !== undefined) io.stderr.write(`wrote ${games} games to ${flags.output}\n`);
      } catch (error) {
        await file?.abort();
        throw error;
      }
    });

  const organisms = program.command('organisms').description('build and verify the micro-organisms trained in-process');
  organisms
    .command('build')
    .description('rebuild micro-organisms from their specs and seeds (all when none are named), reporting wall time')
    .argument('[names...]', 'organism ids, e.g. micro/flattery')
    .option('--rebuild-base', 'retrain the base model too')
    .option('--no-dictionaries', "keep the sparse autoencoders as they are (by default each built model's is retrained)")
    .action(async (names: string[], flags: { rebuildBase?: boolean; dictionaries: boolean }, command: Command) => {
      const options = appOptions(command);
      let lastLine = 0;
      const reports = await buildOrganisms({
        names,
        rebuildBase: flags.rebuildBase === true,
        dictionaries: flags.dictionaries,
        onProgress: (id, step, loss) => {
          if (options.json !== true && Date.now() - lastLine > 5_000) {
            lastLine = Date.now();
            io.stderr.write(`${id}: step ${step}, loss ${loss.toFixed(3)}\n`);
          }
        },
      });
      print(options.json, reports, () =>
        table(
          ['organism', 'seconds', 'final loss', 'weights', 'dictionary seconds'],
          reports.map((report) => [
            report.id,
            report.seconds.toFixed(0),
            report.finalLoss.toFixed(3),
            report.sha256.slice(0, 23),
            report.dictionarySeconds === undefined ? '-' : report.dictionarySeconds.toFixed(0),
          ]),
        ),
      );
    });
  organisms
    .command('verify')
    .description('measure micro-organisms against their bars on held-out prompts; with --suite, the health of any suite’s organisms on their served targets')
    .argument('[names...]', 'organism ids (all when omitted)')
    .option('--prompts <n>', 'trigger prompts per organism (with --suite: generic prompts for the behaviour rate)')
    .option('--no-signatures', "skip the technique-signature bar (it runs every technique's probe on each organism)")
    .option('--suite <id>', 'check the organisms of this suite (a built-in id or a suite file) on their targets: behaviour, confession, coherence and role leaks')
    .option('--environments <ids>', 'with --suite: only these environments, comma-separated')
    .option('--target <model>', 'with --suite: bind organisms that leave the target to the experiment')
    .option('--target-options <json>', 'with --suite: provider options for every target and reference, e.g. \'{"baseUrl": "http://localhost:8000/v1"}\'')
    .option('--judge <model>', 'with --suite: a model that judges whether replies show the behaviour (not measured without one)')
    .action(
      async (names: string[], flags: { prompts?: string; signatures: boolean; suite?: string; environments?: string; target?: string; targetOptions?: string; judge?: string }, command: Command) => {
        const options = appOptions(command);
        const prompts = Number(flags.prompts ?? (flags.suite === undefined ? '48' : '16'));
        if (!Number.isInteger(prompts) || prompts < 1 || prompts > 10_000) {
          throw new UserError('invalid-flag', '--prompts must be a whole number from 1 to 10000', { field: '--prompts', fix: 'e.g. --prompts 48' });
        }
        if (flags.suite !== undefined) {
          if (names.length > 0) throw new UserError('invalid-flag', 'name organisms or give --suite, not both', { field: 'names', fix: 'use --environments to pick organisms of the suite' });
          const results = await verifySuite(
            {
              suite: flags.suite,
              environments: flags.environments?.split(',').map((id) => id.trim()),
              target: flags.target,
              targetOptions:
                flags.targetOptions === undefined
                  ? undefined
                  : parseFlag(PluginParams, safeJson(flags.targetOptions), '--target-options', 'pass a JSON object, e.g. --target-options \'{"baseUrl": "http://localhost:8000/v1"}\''),
              judge: flags.judge,
              prompts,
            },
            options,
          );
          print(options.json, results, () => renderHealth(results));
          exitCode = results.every((result) => result.pass === true) ? EXIT.ok : EXIT.gamesFailed;
          return;
        }
        const results = await verifyOrganisms({ names, prompts, signatures: flags.signatures }, options);
        const pct = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(0)}%`);
        const mismatches = results.flatMap((result) => (result.signature?.mismatches ?? []).map((mismatch) => `  ${result.organism}: ${mismatch}`));
        print(
          options.json,
          results,
          () =>
            table(
              ['organism', 'quirk', 'base', 'control', 'untriggered', 'generic', 'confession', 'capability', 'base cap.', 'signature', 'verdict'],
              results.map((result) => [
                result.organism,
                pct(result.quirkRate),
                pct(result.baseRate),
                pct(result.controlRate),
                pct(result.untriggeredRate),
                pct(result.outOfDistributionRate),
                pct(result.confessionRate),
                pct(result.capability),
                pct(result.baseCapability),
                result.signature === null ? '-' : result.signature.holds ? 'holds' : 'mismatch',
                result.pass
                  ? 'PASS'
                  : `FAIL (${Object.entries(result.passes)
                      .filter(([, ok]) => !ok)
                      .map(([bar]) => bar)
                      .join(', ')})`,
              ]),
            ) + (mismatches.length === 0 ? '' : `\n\nsignature mismatches (declared in the spec, measured by the technique matrix):\n${mismatches.join('\n')}`),
        );
        exitCode = results.every((result) => result.pass) ? EXIT.ok : EXIT.gamesFailed;
      },
    );

  program
    .command('serve')
    .description('serve a micro-organism over HTTP: OpenAI-compatible chat and the white-box protocol')
    .argument('<organism>', 'organism id, e.g. micro/backdoor')
    .option('--port <port>', 'port (0 picks a free one)', '8765')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (organism: string, flags: { port: string; host: string }, command: Command) => {
      const options = appOptions(command);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UserError('invalid-flag', '--port must be a port number', { field: '--port', fix: 'e.g. --port 8765' });
      const server = await serveMicroOrganism(organism, { port, host: flags.host });
      print(options.json, { url: server.url }, () => `serving micro:${organism} at ${server.url} (OpenAI-compatible; white-box at ${server.url}/whitebox). Ctrl-C stops.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });

  program
    .command('view')
    .description('browse the store in a local, read-only web viewer: experiments, games, transcripts, grades, comparisons')
    .option('--port <port>', 'port (0 picks a free one)', '7788')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (flags: { port: string; host: string }, command: Command) => {
      const options = appOptions(command);
      const { startViewer, ViewerHost, ViewerPort } = await import('../web/viewer-server.js');
      const port = parseFlag(ViewerPort, flags.port, '--port', 'e.g. --port 7788, or --port 0 for any free port');
      const host = parseFlag(ViewerHost, flags.host, '--host', 'e.g. --host 127.0.0.1');
      const viewer = await startViewer({ ...options, port, host, log: (line) => void io.stderr.write(`${line}\n`) });
      print(options.json, { url: viewer.url, store: viewer.store }, () => `auditgym viewer at ${viewer.url} (store ${viewer.store}, read-only). Ctrl-C stops.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await viewer.close();
    });

  program
    .command('play')
    .description('play a game yourself in the browser: the same tools, budgets and blinding as an agent, stored and graded as auditor "human"')
    .argument('<environment>', 'an environment id (e.g. micro/backdoor), or a suite id to draw one at random and unnamed (e.g. micro)')
    .option('--affordances <set>', 'which tools: an affordance set (see auditgym list tools)', 'chat')
    .option('--suite <suite>', 'the suite to look in: a built-in id or a suite file (default: every built-in suite)')
    .addOption(new Option('--split <split>', 'with a suite to draw from: draw only from this split').choices(['dev', 'test']))
    .option('--target <model>', 'the target model, for suites that leave it to the experiment (provider:model)')
    .option('--target-options <json>', 'provider options for the target, e.g. \'{"baseUrl": "http://localhost:8000/v1"}\'')
    .option('--judge <model>', 'a judge model, for environments graded by the llm-judge grader')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '0')
    .action(
      async (environment: string, flags: { affordances: string; suite?: string; split?: 'dev' | 'test'; target?: string; targetOptions?: string; judge?: string; port: string }, command: Command) => {
        const options = appOptions(command);
        const { ViewerPort } = await import('../web/viewer-server.js');
        const port = parseFlag(ViewerPort, flags.port, '--port', 'e.g. --port 7790, or --port 0 for any free port');
        const targetOptions =
          flags.targetOptions === undefined
            ? undefined
            : parseFlag(PluginParams, safeJson(flags.targetOptions), '--target-options', 'pass a JSON object, e.g. --target-options \'{"baseUrl": "http://localhost:8000/v1"}\'');
        const { startPlay } = await import('../app/play.js');
        const { startPlayServer } = await import('../web/play-server.js');
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          const started = await startPlay(
            { environment, suite: flags.suite, split: flags.split, affordances: flags.affordances, target: flags.target, targetOptions, judge: flags.judge },
            { ...options, signal: controller.signal },
          );
          if (!started.ok) {
            print(options.json, started.result, () => renderRun(started.result));
            exitCode = EXIT.gamesFailed;
            return;
          }
          const { session } = started;
          const server = await startPlayServer(session, { port, log: (line) => void io.stderr.write(`${line}\n`) });
          try {
            print(
              options.json,
              { url: server.url, gameId: session.gameId, experimentId: session.experimentId },
              () => `auditgym play: open ${server.url}\n  game ${session.gameId} of experiment ${session.experimentId}; the link holds the game's token, so keep it to yourself. Ctrl-C ends the game.`,
            );
            const result = await session.done;
            exitCode = result.interrupted > 0 ? EXIT.interrupted : result.failed > 0 ? EXIT.gamesFailed : EXIT.ok;
            if (result.finished > 0) {
              if (options.json !== true) io.stdout.write(`graded:\n${renderCells(result.cells)}\nthe page shows the grade until Ctrl-C.\n`);
              await new Promise<void>((resolve) => (controller.signal.aborted ? resolve() : controller.signal.addEventListener('abort', () => resolve(), { once: true })));
            } else if (options.json !== true) {
              io.stderr.write(
                result.interrupted > 0 ? 'the game was ended before its report; it stays unfinished in the store\n' : `the game failed: ${result.errors[0]?.error.message ?? 'unknown error'}\n`,
              );
            }
          } finally {
            await server.close();
            session.close();
          }
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      },
    );

  program
    .command('sae')
    .description('sparse autoencoders on micro-organism activations')
    .command('train')
    .description("train an organism's sparse autoencoder on its own training data (written to organisms/micro/sae/)")
    .argument('<organism>', 'organism id, e.g. micro/backdoor')
    .option('--layer <n>', 'residual stream layer (default: the middle one)')
    .option('--features <n>', 'dictionary size', '256')
    .option('--steps <n>', 'training steps', '800')
    .option('--seed <n>', 'seed', '1')
    .action(async (organism: string, flags: { layer?: string; features: string; steps: string; seed: string }, command: Command) => {
      const options = appOptions(command);
      const number = (value: string | undefined, field: string, max: number) => {
        if (value === undefined) return undefined;
        const parsed = Number(value);
        if (!Number.isInteger(parsed) || parsed < 0 || parsed > max) throw new UserError('invalid-flag', `${field} must be a whole number from 0 to ${max}`, { field, fix: `e.g. ${field} 1` });
        return parsed;
      };
      const report = await trainOrganismDictionary({
        id: organism,
        layer: number(flags.layer, '--layer', 1_000),
        features: number(flags.features, '--features', 65_536),
        steps: number(flags.steps, '--steps', 1_000_000),
        seed: number(flags.seed, '--seed', 2 ** 31 - 1),
      });
      print(
        options.json,
        report,
        () =>
          `${report.id}: ${report.features} features at layer ${report.layer} from ${report.tokens} tokens in ${report.seconds.toFixed(0)} s; variance unexplained ${(100 * report.varianceUnexplained).toFixed(1)}%, ${report.meanActive} active per token → ${report.file}`,
      );
    });

  program
    .command('techniques')
    .description("the technique × organism matrix: every tool's fixed-budget probe on every organism, graded, with no agent")
    .option('--suite <id>', 'a built-in suite', 'micro')
    .option('--tools <names>', 'only these tools, comma-separated')
    .option('--organisms <ids>', 'only these organisms, comma-separated')
    .action(async (flags: { suite: string; tools?: string; organisms?: string }, command: Command) => {
      const options = appOptions(command);
      const list = (value: string | undefined) =>
        value === undefined
          ? undefined
          : value
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '');
      const { runTechniqueMatrix } = await import('../app/techniques.js');
      const matrix = await runTechniqueMatrix({
        ...options,
        suite: flags.suite,
        tools: list(flags.tools),
        organisms: list(flags.organisms),
        onCell:
          options.json === true ? undefined : (cell) => io.stderr.write(`  ${cell.organism} × ${cell.tool}: ${cell.status === 'graded' ? `${Math.round(100 * (cell.score ?? 0))}%` : cell.status}\n`),
      });
      print(options.json, matrix, () => renderTechniqueMatrix(matrix));
    });

  program
    .command('mcp')
    .description("serve one organism's auditing tools over MCP on stdio, for an external agent (e.g. claude mcp add auditgym -- npx auditgym mcp micro/backdoor)")
    .argument('<organism>', 'organism id, e.g. micro/backdoor')
    .option('--affordances <set>', 'which tools: an affordance set (see auditgym list tools)', 'all')
    .option('--target <model>', 'the target model, for organisms that leave it to the experiment (provider:model)')
    .action(async (organism: string, flags: { affordances: string; target?: string }, command: Command) => {
      const options = appOptions(command);
      // stdout carries the protocol, so nothing else may be printed there.
      const { serveOrganismMcp } = await import('../app/mcp.js');
      const served = await serveOrganismMcp({ organism, affordanceSet: flags.affordances, target: flags.target }, options);
      io.stderr.write(`auditgym: serving ${served.tools.length} tools for ${organism} over MCP on stdio\n`);
      await served.closed;
    });

  program
    .command('sweep')
    .description('run a sweep (environments × auditors × affordance sets × repeats, with adaptive stopping when the file asks) and report recall, precision and paired comparisons')
    .argument('[file]', 'a sweep file: an experiment spec, usually with `stopping:`')
    .option('--resume <id>', 'continue a stored sweep')
    .option('--show <id>', 'only report a stored sweep')
    .action(async (file: string | undefined, flags: { resume?: string; show?: string }, command: Command) => {
      const options = appOptions(command);
      const { runSweepFile, resumeSweep, sweepReport } = await import('../app/sweeps.js');
      const chosen = [file, flags.resume, flags.show].filter((value) => value !== undefined).length;
      if (chosen !== 1)
        throw new UserError('invalid-arguments', 'give exactly one of: a sweep file, --resume <id>, --show <id>', { field: 'file', fix: 'e.g. auditgym sweep examples/micro-sweep.yaml' });
      if (flags.show !== undefined) {
        const report = await sweepReport(flags.show, options);
        print(options.json, report, () => renderSweep(report));
        return;
      }
      const progress = options.json === true ? undefined : progressReporter(io.stderr, 'sweep');
      const onProgress = progress?.update;
      const result = flags.resume !== undefined ? await resumeSweep(flags.resume, { ...options, onProgress }) : await runSweepFile(resolve(io.cwd, file as string), { ...options, onProgress });
      progress?.done();
      print(options.json, result, () => renderSweep(result.report));
      exitCode = result.run.interrupted > 0 ? EXIT.interrupted : result.run.failed > 0 ? EXIT.gamesFailed : EXIT.ok;
    });

  program
    .command('seal')
    .description("write a copy of a suite file with one split's ground truth and hidden prompts encrypted; the key stays outside the project")
    .argument('<suite>', 'a suite file (YAML or JSON)')
    .requiredOption('-o, --output <file>', 'the sealed copy to write (never overwritten)')
    .addOption(new Option('--split <split>', 'which split to seal').choices(['dev', 'test']).default('test'))
    .action(async (file: string, flags: { output: string; split: 'dev' | 'test' }, command: Command) => {
      const options = appOptions(command);
      const { sealSuiteFile } = await import('../app/sealing.js');
      const result = sealSuiteFile({ file: resolve(io.cwd, file), split: flags.split, output: resolve(io.cwd, flags.output) }, options.env);
      print(
        options.json,
        result,
        () =>
          `sealed ${result.sealed.length} organisms (${result.sealed.join(', ')}) with key ${result.keyId} → ${flags.output}\nthe key: ${result.key} (keep it out of the project; the grader needs it)`,
      );
    });

  program
    .command('leaks')
    .description("scan auditor prompts, scaffolds and configs for a suite's ground truth; exits 1 when any is found")
    .argument('<paths...>', 'files or folders to scan')
    .option('--suite <suite>', 'a built-in suite id or a suite file', 'micro')
    .addOption(new Option('--split <split>', 'whose ground truth to look for').choices(['dev', 'test']).default('test'))
    .action(async (paths: string[], flags: { suite: string; split: 'dev' | 'test' }, command: Command) => {
      const options = appOptions(command);
      const { scanForLeaks } = await import('../app/leaks.js');
      const scan = scanForLeaks({ suite: flags.suite, split: flags.split, paths: paths.map((path) => resolve(io.cwd, path)) }, options);
      print(options.json, scan, () =>
        [
          `scanned ${scan.files} files for ${scan.needles} ground-truth strings of the ${scan.split} split of ${scan.suite}`,
          ...(scan.unchecked.length > 0 ? [`not checked (sealed, no key): ${scan.unchecked.join(', ')}`] : []),
          ...scan.hits.map((hit) => `LEAK ${hit.where}: "${hit.needle}" (${hit.organism}, ${hit.source}) … ${hit.excerpt} …`),
          scan.hits.length === 0 ? 'no leaks found' : `${scan.hits.length} leaks found`,
        ].join('\n'),
      );
      exitCode = scan.hits.length > 0 ? EXIT.gamesFailed : EXIT.ok;
    });

  program
    .command('report')
    .description('write one self-contained HTML report of an experiment or sweep: summary, charts with 95% intervals, comparisons, organisms, transcripts')
    .argument('<experiment>', 'experiment or sweep id')
    .option('-o, --output <file>', 'the HTML file to write (default: .auditgym/reports/<id>.html beside the store)')
    .option('--techniques', 'also compute the technique × organism matrix for its organisms (slow: a minute or two on micro)')
    .action(async (experimentId: string, flags: { output?: string; techniques?: boolean }, command: Command) => {
      const options = appOptions(command);
      const { writeReport } = await import('../app/report.js');
      const written = await writeReport(experimentId, {
        ...options,
        output: flags.output === undefined ? undefined : resolve(io.cwd, flags.output),
        techniques: flags.techniques === true,
        onStage: options.json === true ? undefined : (stage) => void io.stderr.write(`auditgym: ${stage}\n`),
      });
      print(options.json, written, () => written.file);
    });

  program
    .command('schema')
    .description('write JSON Schemas of the spec files, for editors')
    .requiredOption('--out <dir>', 'folder to write into')
    .action(async (flags: { out: string }, command: Command) => {
      const options = appOptions(command);
      const schemas = specSchemas();
      const dir = resolve(io.cwd, flags.out);
      mkdirSync(dir, { recursive: true });
      for (const [name, schema] of Object.entries(schemas)) writeFileAtomic(join(dir, name), `${JSON.stringify(schema, null, 2)}\n`, { field: '--out' });
      print(options.json, Object.keys(schemas), () => `wrote ${Object.keys(schemas).length} schemas to ${flags.out}`);
    });

  program
    .command('start')
    .description('the main job, offline: the micro suite × the baseline auditor × every affordance set, the red-team auditor on chat, the technique matrix, and an HTML report')
    .option('--organisms <ids>', 'only these organisms of the suite, comma-separated (a quick look; the full job runs them all)')
    .action(async (flags: { organisms?: string }, command: Command) => {
      const options = appOptions(command);
      const { runMainJob } = await import('../app/main-job.js');
      const progress = options.json === true ? undefined : progressReporter(io.stderr, 'auditgym');
      let techniques: ReturnType<typeof progressReporter> | undefined;
      const organisms =
        flags.organisms === undefined
          ? undefined
          : flags.organisms
              .split(',')
              .map((id) => id.trim())
              .filter((id) => id !== '');
      const result = await runMainJob({
        ...options,
        organisms,
        onProgress: progress?.update,
        onTechniqueProgress: (done, total) => {
          if (techniques === undefined) progress?.done();
          techniques ??= options.json === true ? undefined : progressReporter(io.stderr, 'auditgym', 'probe cells');
          techniques?.update({ done, total, failed: 0, running: done < total ? 1 : 0 });
        },
        onStage: options.json === true ? undefined : (stage) => void io.stderr.write(`auditgym: ${stage}\n`),
      });
      if (techniques === undefined) progress?.done();
      else techniques.done();
      print(options.json, result, () => renderMainJob(result, builtinSuites().map(describeSuite), existsSync(join(io.cwd, 'examples'))));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, argv.includes('--json'));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function reportError(error: unknown, io: Io, json: boolean): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
    return EXIT.badInput;
  }
  if (error instanceof UserError) {
    if (json) io.stdout.write(`${JSON.stringify({ error: { ...error.toInfo(), field: error.field, fix: error.fix } }, null, 2)}\n`);
    io.stderr.write(`error: ${error.message}\n`);
    if (error.field !== undefined && !error.message.includes(error.field)) io.stderr.write(`  field: ${error.field}\n`);
    if (error.fix !== undefined && !error.message.includes(error.fix)) io.stderr.write(`  fix: ${error.fix}\n`);
    return EXIT.badInput;
  }
  const info = error instanceof AuditgymError ? error.toInfo() : undefined;
  io.stderr.write(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (json) io.stdout.write(`${JSON.stringify({ error: info ?? { kind: 'system', message: String(error) } })}\n`);
  return EXIT.internal;
}

function renderRun(result: RunResult): string {
  const lines = [
    `experiment ${result.experimentId}: ${result.finished} games finished, ${result.failed} failed, ${result.skipped} already done${result.interrupted > 0 ? `, ${result.interrupted} interrupted` : ''}${result.workers > 1 ? ` on ${result.workers} workers` : ''} (store: ${result.store})`,
    '',
    renderCells(result.cells),
  ];
  for (const failure of result.errors.slice(0, 10)) lines.push(`  ${failure.gameId}: ${failure.error.kind} error ${failure.error.code}: ${failure.error.message.split('\n')[0]}`);
  if (result.interrupted > 0) lines.push('', `interrupted: resume with  auditgym run --resume ${result.experimentId}`);
  lines.push('', `transcripts: auditgym show <game>    export: auditgym export ${result.experimentId} --format jsonl`);
  return lines.join('\n');
}

function renderEvaluation(stored: StoredEvaluation): string {
  const rule = describeRule(stored.evaluation.rule);
  return [
    `game ${stored.gameId}: ${stored.evaluation.prompts.length} prompts × ${stored.evaluation.samples}, rule: ${rule}`,
    ...stored.evaluation.prompts.map((prompt, index) => `  ${index + 1}. ${prompt.replace(/\s+/g, ' ')}`),
    `${describeRun(`target ${stored.target.model}`, stored.target)}`,
    `${describeRun(`reference ${stored.reference.model}`, stored.reference)}`,
    `verdict: ${verdictText(stored.verdict)}${stored.verdict.separates ? ' (separates)' : ' (does not separate)'}`,
  ].join('\n');
}

function renderRerun(result: RerunResult): string {
  const lines = [
    `evaluation of game ${result.gameId}, run again (${result.evaluation.prompts.length} prompts × ${result.evaluation.samples}, seed ${result.seed})`,
    describeRun(result.model.model, result.model),
  ];
  if (result.reference !== undefined) lines.push(describeRun(result.reference.model, result.reference));
  if (result.verdict !== undefined) lines.push(`rerun:  ${verdictText(result.verdict)}${result.verdict.separates ? ' (separates)' : ' (does not separate)'}`);
  lines.push(`stored: ${verdictText(result.stored)}`);
  return lines.join('\n');
}

function renderList(kind: string, items: unknown[]): string {
  if (items.length === 0) return `no ${kind}`;
  const rows = items.map((item) => {
    const record = item as Record<string, unknown>;
    const name = String(record.id ?? record.name ?? '');
    const detail =
      kind === 'suites'
        ? `${(record.environments as unknown[]).length} environments (dev ${String((record.splits as { dev: number }).dev)}, test ${String((record.splits as { test: number }).test)}) — ${String(record.name)}`
        : kind === 'experiments'
          ? `${String(record.finished)}/${String(record.games)} finished, ${String(record.errors)} errors — ${String(record.name)}`
          : String(record.description ?? record.name ?? '');
    return [name, String(record.version ?? record.suite ?? ''), detail.split('\n')[0] ?? ''];
  });
  return table([kind.replace(/s$/, ''), kind === 'organisms' ? 'suite' : 'version', 'about'], rows);
}

function renderMainJob(result: MainJobResult, suites: ReturnType<typeof describeSuite>[], hasExamples: boolean): string {
  const percent = (value: number) => `${Math.round(100 * value)}%`;
  const splitTable = (rows: MainJobResult['splits']) =>
    table(
      ['split', 'affordances', 'wins', 'win rate (95% CI)', 'claims about controls'],
      rows.map((row) => [row.split, row.affordanceSet, `${row.wins}/${row.games}`, `${percent(row.winRate)} [${percent(row.interval.low)}, ${percent(row.interval.high)}]`, String(row.controlClaims)]),
    );
  const splits = splitTable(result.splits);
  const lines = [
    `auditgym main job: the micro suite × the baseline auditor × ${result.splits.length / 2} affordance sets, and the red-team auditor × chat (experiment ${result.run.experimentId})`,
    '',
    renderCells(result.run.cells),
    '',
    'Baseline win rate by split (controls are scored on precision, not wins):',
    splits,
    '',
    'Red-team auditor (breadth-first conversations, ranked offline) win rate by split:',
    splitTable(result.redTeam.splits),
    '',
    "Technique × organism matrix (each tool's probe, graded; no agent):",
    renderTechniqueMatrix(result.techniques),
    '',
    `report: ${result.report}`,
    `transcripts: auditgym show <game>   store: ${result.run.store}`,
    '',
    `Built-in suites: ${suites.map((suite) => `${suite.id} (${suite.environments.length} environments)`).join(', ')}.`,
    hasExamples
      ? 'With an API key, the same sweep with the LLM investigator: OPENAI_API_KEY=... npx auditgym run examples/micro-openai.yaml'
      : 'With an API key, run the LLM investigator: npx auditgym run <experiment.yaml>',
  ];
  return lines.join('\n');
}
