import { describe, expect, it } from 'vitest';
import { createCatalog } from '../core/catalog.js';
import { toolDefinition } from '../core/tools/tool.js';
import { REPORT_CLAIM_ROWS, claimField, readReport, readToolInput, toolForm, type ToolForm } from './play-forms.js';

const catalog = createCatalog();
const formFor = (name: string): ToolForm => toolForm(toolDefinition(catalog.tools.get(name)));
const read = (name: string, values: unknown) => readToolInput(formFor(name), catalog.tools.get(name).input, values);

describe('tool forms from input schemas', () => {
  it('gives every built-in tool a form whose fields a person can fill, with the schema’s required fields', () => {
    for (const tool of catalog.tools.list()) {
      const form = formFor(tool.name);
      expect(form.fields.length, tool.name).toBeGreaterThanOrEqual(tool.name === 'list_corpora' ? 0 : 1);
      const required = (toolDefinition(tool).parameters.required as string[] | undefined) ?? [];
      for (const name of required) expect(form.fields.find((field) => field.name === name)?.required, `${tool.name}.${name}`).toBe(true);
    }
    const chat = formFor('chat');
    expect(chat.fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['message', 'textarea', true],
      ['temperature', 'number', false],
      ['max_tokens', 'integer', false],
    ]);
    // Lists of numbers and of prompts, and a discriminated input whose discriminator becomes a choice.
    expect(formFor('logit_lens').fields.find((field) => field.name === 'positions')?.kind).toBe('numbers');
    expect(formFor('model_diff').fields.find((field) => field.name === 'prompts')?.kind).toBe('lines');
    expect(formFor('chat_multi_turn').fields.find((field) => field.name === 'history')?.kind).toBe('json');
    const notes = formFor('notes');
    expect(notes.fields.find((field) => field.name === 'action')).toMatchObject({ kind: 'choice', choices: ['add', 'read'], required: true });
    expect(notes.fields.find((field) => field.name === 'text')?.required).toBe(false);
  });

  it('turns typed values into the tool’s input, checked by the tool’s own schema', () => {
    expect(read('chat', { message: 'Hello there', temperature: ' 0.5 ', max_tokens: '' })).toEqual({ ok: true, value: { message: 'Hello there', temperature: 0.5 } });
    expect(read('logit_lens', { text: 'hi', positions: '-1, -2', raw: true })).toEqual({ ok: true, value: { text: 'hi', positions: [-1, -2], raw: true } });
    expect(read('model_diff', { prompts: 'one\n\n two \n' })).toMatchObject({ ok: true, value: { prompts: ['one', 'two'] } });
    expect(read('chat_multi_turn', { message: 'next', history: '[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]' })).toMatchObject({ ok: true });
    expect(read('notes', { action: 'add', text: 'a finding' })).toEqual({ ok: true, value: { action: 'add', text: 'a finding' } });
  });

  it('says what is wrong with each field, all at once, in words meant for the field', () => {
    const bad = read('chat', { message: '', temperature: '9', max_tokens: 'lots' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.message).toBe('required');
    expect(bad.issues.max_tokens).toMatch(/whole number/);
    expect(bad.issues.temperature).toMatch(/2/);
    const json = read('chat_multi_turn', { message: 'x', history: '[{"role": "user"' });
    expect(json.ok ? {} : json.issues).toEqual({ history: expect.stringMatching(/not valid JSON/) });
    const nested = read('chat_multi_turn', { message: 'x', history: '[{"role": "robot", "content": "a"}]' });
    expect(nested.ok ? '' : nested.issues.history).toMatch(/^0\.role: /);
    const union = read('notes', {});
    expect(union.ok ? {} : union.issues).toEqual({ action: 'required' });
    expect(read('chat', ['not', 'fields'])).toMatchObject({ ok: false, issues: { '': expect.any(String) } });
  });
});

describe('the report form', () => {
  it('reads a summary and the filled claim rows, leaving blank rows out', () => {
    const read = readReport({
      summary: ' What I found. ',
      [claimField(0, 'behaviour')]: 'It flatters the user',
      [claimField(0, 'confidence')]: '0.8',
      [claimField(0, 'category')]: 'sycophancy',
      [claimField(2, 'behaviour')]: 'It changes its tone',
      [claimField(2, 'trigger')]: 'long chats',
      [claimField(2, 'evidence')]: 'replies 3 and 4',
      [claimField(2, 'confidence')]: '.4',
    });
    expect(read).toEqual({
      ok: true,
      value: {
        summary: 'What I found.',
        claims: [
          { behaviour: 'It flatters the user', evidence: '', confidence: 0.8, category: 'sycophancy' },
          { behaviour: 'It changes its tone', trigger: 'long chats', evidence: 'replies 3 and 4', confidence: 0.4 },
        ],
      },
    });
    expect(readReport({ summary: 'Nothing hidden.' })).toEqual({ ok: true, value: { summary: 'Nothing hidden.', claims: [] } });
  });

  it('names the row and the field of each problem', () => {
    const last = REPORT_CLAIM_ROWS - 1;
    const read = readReport({
      summary: '',
      [claimField(1, 'confidence')]: '0.5',
      [claimField(last, 'behaviour')]: 'Something',
      [claimField(last, 'confidence')]: 'very',
    });
    expect(read.ok ? {} : read.issues).toEqual({ [claimField(1, 'behaviour')]: expect.stringMatching(/required/), [claimField(last, 'confidence')]: expect.stringMatching(/number/) });
    const range = readReport({ summary: '', [claimField(3, 'behaviour')]: 'x', [claimField(3, 'confidence')]: '1.5', [claimField(3, 'category')]: 'nonsense' });
    expect(Object.keys(range.ok ? {} : range.issues).sort()).toEqual([claimField(3, 'category'), claimField(3, 'confidence')]);
  });
});
