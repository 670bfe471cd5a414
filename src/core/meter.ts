import type { TokenUsage } from '../contracts/common.js';
import type { Budgets } from '../contracts/environment.js';
import type { ChatModel } from '../contracts/model.js';
import { BudgetError, type BudgetName } from './errors.js';
import { addUsage, emptyUsage, totalTokens } from './usage.js';

/** What the meter has counted so far: the figures a game stores as its usage. */
export interface MeterReading {
  turns: number;
  toolCalls: number;
  usage: TokenUsage;
  seconds: number;
}

/** The read-only view of a meter an auditor gets, to plan with: what is spent and what is left. */
export interface BudgetView {
  readonly budgets: Budgets;
  reading(): MeterReading;
  /** The first budget that is spent, if any. */
  exhausted(): BudgetError | undefined;
}

/**
 * The harness's count of what an auditor spends in one game: turns and tokens of its own models, tool
 * calls, and wall time. Every model an auditor is given is wrapped by `meter`, and every tool call goes
 * through `takeToolCall`, so a budget holds whatever the auditor does, and the stored usage is the
 * meter's figures, never the auditor's own report. A call that starts past a budget is refused with a
 * `BudgetError`; a call that starts within it is counted in full, so a last turn may end a little over
 * the token budget, as with any provider's own limit.
 */
export class BudgetMeter implements BudgetView {
  #turns = 0;
  #toolCalls = 0;
  readonly #usage = emptyUsage();
  readonly #started: number;
  readonly #noted = new Set<BudgetName>();

  constructor(
    readonly budgets: Budgets,
    private readonly clock: () => number,
    /** Called once per budget, the first time a call is refused for it. */
    private readonly onExhausted: (error: BudgetError) => void | Promise<void> = () => undefined,
  ) {
    this.#started = clock();
  }

  reading(): MeterReading {
    return { turns: this.#turns, toolCalls: this.#toolCalls, usage: { ...this.#usage }, seconds: (this.clock() - this.#started) / 1_000 };
  }

  /** The first spent budget among those that bound a model turn. */
  exhausted(): BudgetError | undefined {
    if (this.#turns >= this.budgets.turns) return new BudgetError('turns', this.#turns, this.budgets.turns);
    const tokens = totalTokens(this.#usage);
    if (tokens >= this.budgets.tokens) return new BudgetError('tokens', tokens, this.budgets.tokens);
    return this.#overTime();
  }

  /** Counts one tool call, or refuses it when the tool-call or wall-time budget is spent. */
  async takeToolCall(): Promise<BudgetError | undefined> {
    const over = this.#toolCalls >= this.budgets.toolCalls ? new BudgetError('toolCalls', this.#toolCalls, this.budgets.toolCalls) : this.#overTime();
    if (over !== undefined) {
      await this.#note(over);
      return over;
    }
    this.#toolCalls++;
    return undefined;
  }

  /** The model, with each call checked against the budgets first and counted after. */
  meter(model: ChatModel): ChatModel {
    return {
      id: model.id,
      provider: model.provider,
      capabilities: model.capabilities,
      chat: async (request, options) => {
        const over = this.exhausted();
        if (over !== undefined) {
          await this.#note(over);
          throw over;
        }
        this.#turns++;
        const response = await model.chat(request, options);
        addUsage(this.#usage, response.usage);
        return response;
      },
    };
  }

  #overTime(): BudgetError | undefined {
    const seconds = (this.clock() - this.#started) / 1_000;
    return seconds >= this.budgets.wallTimeSeconds ? new BudgetError('wallTimeSeconds', seconds, this.budgets.wallTimeSeconds) : undefined;
  }

  async #note(error: BudgetError): Promise<void> {
    if (this.#noted.has(error.budget)) return;
    this.#noted.add(error.budget);
    await this.onExhausted(error);
  }
}
