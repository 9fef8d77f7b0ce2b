import { describe, expect, it } from 'vitest';
import { BuildCache } from '../../../codegen/toolchain/cache.js';
import { tempDir } from '../../helpers/paths.js';

describe('BuildCache', () => {
  it('stores_and_reads_back_a_text', () => {
    const { dir, cleanup } = tempDir();
    try {
      const cache = new BuildCache(dir);
      cache.store('abcdef', 'note.txt', { text: 'hello' });
      expect(cache.readText('abcdef', 'note.txt')).toBe('hello');
      expect(cache.readText('abcdef', 'missing.txt')).toBeNull();
    } finally {
      cleanup();
    }
  });

  it('an_uncreatable_cache_directory_is_an_io_error_naming_it_not_a_hang', () => {
    // node's recursive mkdir loops forever under /proc (ENOENT for the child, EEXIST for /proc).
    const cache = new BuildCache('/proc/yhc-no-such-cache');
    expect(() => cache.store('abcdef', 'note.txt', { text: 'x' })).toThrow(/cannot create directory "\/proc\/yhc-no-such-cache"/);
  });
});
