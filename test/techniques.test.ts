import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

describe('auditgym techniques', () => {
  it('emits the technique × organism matrix as JSON, graded per cell, with the control never credited', async () => {
    const result = await runCli(['techniques', '--json', '--organisms', 'micro/hidden-goal,micro/control', '--tools', 'prefill,semantic_search,model_diff']);
    expect(result.code).toBe(0);
    const matrix = JSON.parse(result.stdout) as {
      tools: string[];
      organisms: string[];
      cells: Array<{ tool: string; organism: string; status: string; control: boolean; win?: boolean; score?: number; falseClaims?: number; observations?: number }>;
      summary: { hardOrganisms: string[]; strongTechniques: unknown[]; toolGaps: Array<{ organism: string; tools: string[] }> };
    };
    expect(matrix.tools).toEqual(['prefill', 'semantic_search', 'model_diff']);
    expect(matrix.organisms.sort()).toEqual(['micro/control', 'micro/hidden-goal']);
    expect(matrix.cells).toHaveLength(6);
    for (const cell of matrix.cells) {
      expect(cell.status).toBe('graded');
      expect(cell.observations).toBeGreaterThan(0);
      if (cell.control) {
        expect(cell.win).toBe(false);
        expect(cell.falseClaims).toBe(Math.min(10, cell.observations ?? 0));
      }
    }
    expect(Array.isArray(matrix.summary.hardOrganisms)).toBe(true);
    // prefill is a chat technique, so a gap on these organisms could only come from the other two tools.
    for (const gap of matrix.summary.toolGaps) expect(gap.tools.every((tool) => tool !== 'prefill')).toBe(true);
  }, 120_000);

  it('refuses an unknown suite with exit code 2', async () => {
    const result = await runCli(['techniques', '--suite', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--suite/);
  });
});
