import type { EventBody, TranscriptEvent } from '../contracts/transcript.js';

/**
 * Appends a game's events in order. The log is append-only: a rollback adds an event that starts a
 * new branch from an earlier point, so every path the auditor took stays readable.
 */
export class TranscriptWriter {
  #seq = 0;
  #branches = 0;
  #branch = 'main';
  #head: number | null = null;

  constructor(
    readonly gameId: string,
    private readonly sink: (event: TranscriptEvent) => void | Promise<void>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get branch(): string {
    return this.#branch;
  }

  async append(body: EventBody): Promise<number> {
    const seq = this.#seq++;
    const event: TranscriptEvent = {
      gameId: this.gameId,
      seq,
      branch: this.#branch,
      parent: this.#head,
      time: this.now().toISOString(),
      body,
    };
    this.#head = seq;
    await this.sink(event);
    return seq;
  }

  /** Continues from event `toSeq` on a fresh branch. */
  async rollback(toSeq: number, reason?: string): Promise<number> {
    if (toSeq < 0 || toSeq >= this.#seq) throw new RangeError(`cannot roll back to event ${toSeq}`);
    this.#branch = `branch-${++this.#branches}`;
    this.#head = toSeq;
    return this.append(reason === undefined ? { type: 'rollback', toSeq } : { type: 'rollback', toSeq, reason });
  }
}

/** The events of one branch, from the start of the game to its last event, following parents. */
export function branchPath(events: readonly TranscriptEvent[], branch: string): TranscriptEvent[] {
  const bySeq = new Map(events.map((event) => [event.seq, event]));
  const last = events.filter((event) => event.branch === branch).at(-1);
  const path: TranscriptEvent[] = [];
  for (let cursor = last; cursor !== undefined; cursor = cursor.parent === null ? undefined : bySeq.get(cursor.parent)) {
    path.push(cursor);
  }
  return path.reverse();
}
