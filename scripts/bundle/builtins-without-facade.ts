/**
 * A build step for the main bundle: each `import … from "node:x"` the bundler
 * wrote is turned into `process.getBuiltinModule("node:x")` (Node ≥ 22.3;
 * Electron 45 embeds Node 24).
 *
 * WHY: Node builds an ES module facade for a built-in the first time one is
 * imported, and the facade copies every export, which runs every lazy getter
 * on it: `node:process` loads `process.report` and `process.finalization`,
 * `node:util` loads `parseArgs` and the diff machinery, `node:crypto` loads
 * WebCrypto. electron-store's conf imports all three. That is about 10 ms of
 * every start (bench `main_start_ratio`) for code the app never runs;
 * `getBuiltinModule` hands out the CommonJS exports object, whose getters run
 * only when read. Built-ins have no live bindings worth keeping, so a `const`
 * per imported name is the same program.
 *
 * Only the app's chunks are rewritten (the demo provider's loads long after
 * start-up), and only the forms Rollup writes at the top of a chunk; any other
 * import of a built-in (a namespace import, whose `default` would differ)
 * fails the build rather than change meaning quietly.
 */
import type { Plugin } from 'vite';

const IMPORT_LINE = /^import\s+(?:(.+?)\s+from\s+)?(['"])(node:[a-z0-9_/]+)\2;$/gm;

/** `a, b as c` (Rollup's named-import clause) as a destructuring pattern `a, b: c`. */
function pattern(named: string): string {
  return named
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^([\w$]+)(?:\s+as\s+([\w$]+))?$/.exec(part);
      if (!m) throw new Error(`builtins-without-facade: cannot read the import "${part}"`);
      return m[2] ? `${m[1]}: ${m[2]}` : m[1];
    })
    .join(', ');
}

/** The statements that replace one `import <clause> from "<id>"` (clause undefined: a bare `import "<id>"`). */
export function rewriteBuiltinImport(clause: string | undefined, id: string): string {
  const load = `globalThis.process.getBuiltinModule(${JSON.stringify(id)})`;
  if (clause === undefined) return `${load};`;
  const m = /^(?:([\w$]+)\s*(?:,\s*)?)?(?:\{([^}]*)\})?$/.exec(clause.trim());
  const [, defaultName, named] = m ?? [];
  if (!m || (defaultName === undefined && named === undefined)) {
    throw new Error(`builtins-without-facade: cannot rewrite "import ${clause} from ${JSON.stringify(id)}"`);
  }
  if (defaultName !== undefined && named !== undefined) return `const ${defaultName} = ${load};\nconst { ${pattern(named)} } = ${defaultName};`;
  if (defaultName !== undefined) return `const ${defaultName} = ${load};`;
  return `const { ${pattern(named ?? '')} } = ${load};`;
}

/** Rewrites the built-in imports of one chunk's code. */
export function rewriteBuiltinImports(code: string): string {
  return code.replace(IMPORT_LINE, (_line, clause: string | undefined, _quote: string, id: string) => rewriteBuiltinImport(clause, id));
}

export function builtinsWithoutFacade(): Plugin {
  return {
    name: 'builtins-without-facade',
    renderChunk(code, chunk) {
      // The demo provider's chunk is loaded only without a configuration, long after start-up.
      if (chunk.fileName.startsWith('demo/')) return null;
      const out = rewriteBuiltinImports(code);
      if (/^import\s[^;]*['"]node:/m.test(out))
        throw new Error('builtins-without-facade: an import of a built-in is left in a form this step does not rewrite');
      return out === code ? null : { code: out, map: null };
    },
  };
}
