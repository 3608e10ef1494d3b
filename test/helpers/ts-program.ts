/**
 * The TypeScript compiler over this repository's own tsconfig, for tests
 * that reason about the source (imports, what compiles).
 */
import path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** The parsed root tsconfig.json (main, preload, test, bench, scripts). */
function readRootConfig(): ts.ParsedCommandLine {
  const file = path.join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config as object, ts.sys, ROOT);
}

/**
 * Type-checks `rootNames` with the files in `overrides` (absolute path →
 * text) replaced, and returns the error diagnostics as `relative/path: message`
 * (with '/' on every OS).
 */
export function typeErrors(rootNames: string[], overrides: Record<string, string> = {}): string[] {
  const { options } = readRootConfig();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => overrides[path.resolve(file)] ?? readFile(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    const text = overrides[path.resolve(file)];
    return text === undefined ? getSourceFile(file, languageVersion, onError, shouldCreate) : ts.createSourceFile(file, text, languageVersion, true);
  };
  const program = ts.createProgram({ rootNames: rootNames.map((f) => path.resolve(ROOT, f)), options, host });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => `${d.file ? path.relative(ROOT, d.file.fileName).split(path.sep).join('/') : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
