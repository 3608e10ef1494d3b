/**
 * `asar_bytes` and `asar_files`: the app.asar of a `--linux dir` build for a
 * real provider (a made-up one; no demo), built with electron-builder against
 * the stub Electron. Runs the build's configuration step for that provider and
 * puts the committed configuration back afterwards.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { getRawHeader } from '@electron/asar';
import { buildLinuxDir, realProviderBuildConfig, runBuildConfigStep } from '../test/helpers/linux-dir-build';
import { single, type Metric } from './stats';

interface AsarNode {
  files?: Record<string, AsarNode>;
}

/** Files (not directories) in an asar header. */
export function countAsarFiles(node: AsarNode): number {
  if (!node.files) return 1;
  return Object.values(node.files).reduce((n, child) => n + countAsarFiles(child), 0);
}

export async function packageSize(work: string): Promise<Record<string, Metric>> {
  const cfg = path.join(work, 'bench.app.config.json');
  writeFileSync(cfg, JSON.stringify(realProviderBuildConfig('com.example.bench', 'Bench Desktop')));
  try {
    const step = runBuildConfigStep(cfg);
    if (step.status !== 0) throw new Error(`the configuration step failed:\n${step.stderr}`);
    const unpacked = await buildLinuxDir({ work, outDir: path.join(work, 'release'), buildConfig: cfg });
    const asar = path.join(unpacked, 'resources', 'app.asar');
    const files = countAsarFiles(getRawHeader(asar).header as AsarNode);
    const bytes = statSync(asar).size;
    return {
      asar_bytes: single(bytes, { unit: 'bytes', target: { limit: 1_572_864, on: 'value' }, note: 'app.asar of electron-builder --linux dir, real-provider configuration' }),
      asar_files: single(files, { unit: 'files', note: 'files in that app.asar' }),
    };
  } finally {
    runBuildConfigStep();
  }
}
