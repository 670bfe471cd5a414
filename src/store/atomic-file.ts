import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Output files are written beside their destination under a temporary name and renamed into place
 * only once complete, so a failed or interrupted command never leaves a destroyed or half-written file.
 */

/** Checks where an output goes: its parent folder must exist, and a file's path must not be a folder. */
export function checkOutputPath(path: string, field: string, kind: 'file' | 'folder' = 'file'): string {
  const file = resolve(path);
  const folder = dirname(file);
  let folderStat;
  try {
    folderStat = statSync(folder);
  } catch {
    throw new UserError('output-folder-missing', `the folder ${folder} does not exist`, { field, fix: `create it first (mkdir -p ${folder}), or write somewhere else` });
  }
  if (!folderStat.isDirectory()) throw new UserError('output-folder-missing', `${folder} is not a folder`, { field, fix: 'give a path inside an existing folder' });
  let existing;
  try {
    existing = statSync(file);
  } catch {
    return file;
  }
  if (kind === 'file' && existing.isDirectory()) throw new UserError('output-is-folder', `${file} is a folder`, { field, fix: 'give a file name, not a folder' });
  if (kind === 'folder' && !existing.isDirectory()) throw new UserError('output-not-folder', `${file} exists and is not a folder`, { field, fix: 'give a folder to write into' });
  return file;
}

function temporaryName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
}

/** Writes a whole file atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { field: string; mode?: number }): string {
  const file = checkOutputPath(path, options.field);
  const temporary = temporaryName(file);
  try {
    writeFileSync(temporary, data, options.mode === undefined ? {} : { mode: options.mode });
    const fd = openSync(temporary, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return file;
}

export interface AtomicStream {
  stream: WriteStream;
  /** Flushes and renames the file into place. */
  commit(): Promise<void>;
  /** Removes the partial file; the destination is left as it was. */
  abort(): Promise<void>;
}

/** A stream into a temporary file that becomes `path` on commit, and vanishes on abort. */
export async function openAtomicStream(path: string, field: string): Promise<AtomicStream> {
  const file = checkOutputPath(path, field);
  const temporary = temporaryName(file);
  const stream = createWriteStream(temporary, { flags: 'wx' });
  await new Promise<void>((ready, failed) => {
    stream.once('open', () => ready());
    stream.once('error', failed);
  });
  const closed = () => new Promise<void>((done) => (stream.closed ? done() : stream.end(() => done())));
  return {
    stream,
    async commit() {
      await closed();
      renameSync(temporary, file);
    },
    async abort() {
      await closed().catch(() => undefined);
      rmSync(temporary, { force: true });
    },
  };
}
