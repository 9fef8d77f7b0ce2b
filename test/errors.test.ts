import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_CHARS, YhcError, listText } from '../src/errors.js';

describe('listText', () => {
  it('prints_a_short_list_whole', () => {
    expect(listText([1, 3, 640, 640])).toBe('[1,3,640,640]');
    expect(listText([], ', ')).toBe('[]');
    expect(listText([1, 2, 3, 4, 5, 6, 7, 8, 9], ', ')).toBe('[1, 2, 3, 4, 5, 6, 7, 8, 9]');
  });

  it('keeps_the_first_and_last_entries_and_the_count_of_a_long_list', () => {
    const perm = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(listText(perm)).toBe('[0,1,2,3,4,5,…,999998,999999] (1000000 values)');
    expect(listText(new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n]), ', ')).toBe('[1, 2, 3, 4, 5, 6, …, 9, 10] (10 values)');
  });
});

describe('YhcError messages', () => {
  it('elide_the_middle_of_an_over_long_message_keeping_its_start_and_end', () => {
    const e = new YhcError('SHAPE', `node "a" (Reshape): ${'x'.repeat(100_000)} ends here`);
    expect(e.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(e.message.startsWith('node "a" (Reshape): xxx')).toBe(true);
    expect(e.message.endsWith('xxx ends here')).toBe(true);
    expect(e.message).toMatch(/… \(\d+ characters elided\) …/);
  });

  it('stay_on_one_line_whatever_the_text_holds', () => {
    const e = new YhcError('IO', 'line one\nline two\r\u2028\u2029end');
    expect(e.message).toBe('line one\\nline two\\r\\u2028\\u2029end');
  });

  it('leave_a_short_message_unchanged', () => {
    expect(new YhcError('USAGE', '--batch must be a positive integer, got "-1"').message).toBe('--batch must be a positive integer, got "-1"');
  });
});
