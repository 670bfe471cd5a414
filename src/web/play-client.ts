// The browser half of `auditgym play`. Like the viewer's script it is compiled by tsc and served as
// the source of `playClient`, so it must stay self-contained: no imports, no references outside it.
// It only sends the forms' values with the session token and shows what the server answers; every
// check of a value is the server's, so a page that skips this script can do no more than one with it.

interface PlayEvent {
  preventDefault(): void;
}

interface PlayElement {
  textContent: string | null;
  innerHTML: string;
  value?: string;
  checked?: boolean;
  type?: string;
  disabled?: boolean;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  querySelector(selector: string): PlayElement | null;
  querySelectorAll(selector: string): ArrayLike<PlayElement>;
  addEventListener(type: string, listener: (event: PlayEvent) => void): void;
  scrollIntoView?(): void;
}

interface PlayDocument {
  querySelector(selector: string): PlayElement | null;
  querySelectorAll(selector: string): ArrayLike<PlayElement>;
}

interface PlayResponse {
  status: number;
  json(): Promise<unknown>;
}

interface PlayWindow {
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string; cache: string }): Promise<PlayResponse>;
  setInterval(callback: () => void, ms: number): unknown;
}

interface PlayStateView {
  status: string;
  toolCalls: number;
  secondsLeft: number;
  closingInSeconds: number;
}

interface PlayAnswer {
  error?: string;
  issues?: Record<string, string>;
  state?: PlayStateView;
  log?: string;
  ok?: boolean;
  html?: string;
}

export function playClient(doc: PlayDocument, win: PlayWindow): void {
  const root = doc.querySelector('[data-play-token]');
  if (root === null) return;
  const token = root.getAttribute('data-play-token') ?? '';
  const each = (scope: PlayDocument | PlayElement, selector: string, action: (element: PlayElement) => void) => {
    const found = scope.querySelectorAll(selector);
    for (let index = 0; index < found.length; index++) {
      const element = found[index];
      if (element !== undefined) action(element);
    }
  };
  let running = false;

  const post = async (path: string, body: unknown): Promise<{ status: number; answer: PlayAnswer }> => {
    const response = await win.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auditgym-token': token },
      body: JSON.stringify(body),
      cache: 'no-store',
    });
    let answer: PlayAnswer;
    try {
      answer = (await response.json()) as PlayAnswer;
    } catch {
      answer = { error: `the server answered ${response.status}` };
    }
    return { status: response.status, answer };
  };

  const valuesOf = (form: PlayElement): Record<string, string | boolean> => {
    const values: Record<string, string | boolean> = {};
    each(form, '[data-field]', (field) => {
      const name = field.getAttribute('data-field') ?? '';
      values[name] = field.type === 'checkbox' ? field.checked === true : (field.value ?? '');
    });
    return values;
  };

  const showIssues = (form: PlayElement, issues: Record<string, string>) => {
    each(form, '[data-issue-for]', (slot) => {
      slot.textContent = issues[slot.getAttribute('data-issue-for') ?? ''] ?? '';
    });
    each(form, '[data-field]', (field) => {
      if (issues[field.getAttribute('data-field') ?? ''] === undefined) field.removeAttribute('aria-invalid');
      else field.setAttribute('aria-invalid', 'true');
    });
  };

  const setText = (selector: string, text: string) => {
    const element = doc.querySelector(selector);
    if (element !== null) element.textContent = text;
  };

  // The clock counts down here between answers; each answer from the server resets it.
  let secondsLeft = -1;
  let closingIn = -1;
  const clock = doc.querySelector('[data-state="timeLeft"]');
  if (clock !== null) {
    secondsLeft = Number(clock.getAttribute('data-seconds-left') ?? '-1');
    closingIn = Number(clock.getAttribute('data-closing-in') ?? '-1');
  }
  const showClock = () => {
    if (secondsLeft < 0) return;
    const minutes = Math.floor(secondsLeft / 60);
    const seconds = Math.floor(secondsLeft % 60);
    setText('[data-state="timeLeft"]', `${minutes}:${seconds < 10 ? '0' : ''}${seconds}`);
    const closing = doc.querySelector('[data-closing]');
    if (closing !== null && closingIn <= 0) closing.removeAttribute('hidden');
  };
  showClock();
  win.setInterval(() => {
    if (secondsLeft > 0) secondsLeft--;
    if (closingIn > 0) closingIn--;
    showClock();
  }, 1000);

  const showState = (state: PlayStateView | undefined) => {
    if (state === undefined) return;
    setText('[data-state="status"]', state.status);
    setText('[data-state="toolCalls"]', String(state.toolCalls));
    secondsLeft = Math.floor(state.secondsLeft);
    closingIn = Math.floor(state.closingInSeconds);
    showClock();
  };

  const setRunning = (on: boolean) => {
    running = on;
    each(doc, 'form button[type="submit"]', (button) => {
      button.disabled = on;
    });
  };

  // Both kinds of form post their values and show the server's answer the same way; only what is
  // sent, the words, and what a success changes differ.
  const wire = (form: PlayElement, move: { url: string; body: () => unknown; pending: string; invalid: string; onOk: (answer: PlayAnswer) => string }) => {
    const status = form.querySelector('[data-form-status]');
    const say = (text: string) => {
      if (status !== null) status.textContent = text;
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (running) return;
      setRunning(true);
      say(move.pending);
      void post(move.url, move.body())
        .then(({ status: code, answer }) => {
          showState(answer.state);
          if (code === 422) {
            showIssues(form, answer.issues ?? {});
            say(move.invalid);
            return;
          }
          showIssues(form, {});
          if (code !== 200) {
            say(answer.error ?? `refused (${code})`);
            return;
          }
          say(move.onOk(answer));
        })
        .catch(() => say('the server could not be reached'))
        .finally(() => setRunning(false));
    });
  };

  each(doc, 'form[data-tool]', (form) => {
    wire(form, {
      url: '/api/call',
      body: () => ({ tool: form.getAttribute('data-tool') ?? '', values: valuesOf(form) }),
      pending: 'running…',
      invalid: 'nothing was sent: fix the fields marked',
      onOk: (answer) => {
        const log = doc.querySelector('[data-log]');
        if (log !== null) log.innerHTML = answer.log ?? '';
        return answer.ok === true ? 'done: the result is under Results' : 'the call failed: see the result under Results';
      },
    });
  });

  const report = doc.querySelector('form[data-report-form]');
  if (report !== null) {
    wire(report, {
      url: '/api/report',
      body: () => ({ values: valuesOf(report) }),
      pending: 'grading…',
      invalid: 'not submitted: fix the fields marked',
      onOk: (answer) => {
        const grade = doc.querySelector('[data-grade]');
        if (grade !== null) {
          grade.innerHTML = answer.html ?? '';
          grade.scrollIntoView?.();
        }
        const playing = doc.querySelector('[data-playing]');
        if (playing !== null) playing.setAttribute('hidden', '');
        secondsLeft = -1;
        return 'graded';
      },
    });
  }
}

/** The script the play page loads from /assets/play.js. */
export function playScript(): string {
  return `'use strict';\n(${playClient.toString()})(document, window);\n`;
}
