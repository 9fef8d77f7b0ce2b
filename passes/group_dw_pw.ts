import type { Pass } from './pass.js';

// Placeholder while the pass is written: it rewrites nothing.
export const groupDwPw: Pass = {
  name: 'group-dw-pw',
  rule: '(not yet written)',
  run() {},
};
