/**
 * Compiles bench/**.ts to dist/bench/**.js one file at a time, without type-checking: a second,
 * where `tsc` on the bench would type-check and emit all of src/ again right after `npm run build`
 * has. The bench is type-checked and linted with everything else (`npm run typecheck`, `npm run
 * lint`: tsconfig.json includes bench/).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
// ES modules whatever the file's context (transpileModule cannot see package.json's "type").
const compilerOptions = {
  ...options,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
};

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'results') yield* sources(path);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

let count = 0;
for (const file of sources(join(root, 'bench'))) {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
  });
  if (diagnostics?.length) {
    for (const d of diagnostics)
      process.stderr.write(`${relative(root, file)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n`);
    process.exit(1);
  }
  const out = join(root, 'dist', relative(root, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
  count++;
}
process.stdout.write(`bench: compiled ${count} files to dist/bench\n`);
