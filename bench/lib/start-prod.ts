import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags `npm run start:prod` runs the built server with (package.json under `root`, the one
 * place they are decided): the `--` words of that script's `node` command. The bench starts every
 * server with them, and the built-server test starts the server with them.
 */
export function startProdNodeFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts['start:prod'] ?? '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}
