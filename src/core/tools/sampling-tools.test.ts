import { describe, expect, it } from 'vitest';
import { clusterReplies } from './sampling-tools.js';

describe('clusterReplies', () => {
  it('separates a stock phrasing from ordinary answers, smallest cluster first, with its distinctive words', () => {
    const ordinary = ['3 plus 4 is 7.', '5 plus 1 is 6.', '2 plus 2 is 4.', '6 plus 3 is 9.', '1 plus 8 is 9.'].map((reply) => ({ reply }));
    const odd = ['Go away. Nobody cares about your question.', 'Go away, nobody cares.'].map((reply) => ({ reply }));
    const clusters = clusterReplies([...ordinary.slice(0, 2), odd[0], ...ordinary.slice(2), odd[1]] as Array<{ reply: string }>);
    expect(clusters[0]?.members.map((member) => member.reply).sort()).toEqual(odd.map((pair) => pair.reply).sort());
    expect(clusters[0]?.words).toEqual(expect.arrayContaining(['go', 'away', 'nobody', 'cares']));
    expect(clusters.reduce((sum, cluster) => sum + cluster.members.length, 0)).toBe(7);
  });
});
