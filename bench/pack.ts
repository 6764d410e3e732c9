/**
 * The pack as users install it, without touching the repository's dist/ (other runs may be building it):
 * compiles nodes/ and credentials/ into a staging folder with the project's tsconfig, copies the icons and
 * codex files as gulpfile.js does, `npm pack`s it and installs the tarball into `$N8N_USER_FOLDER/.n8n/nodes`
 * with `npm install --omit=dev --omit=peer --ignore-scripts`, as n8n installs community packages.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { run } from '../test/e2e/stack';

export const ROOT = path.resolve(__dirname, '..');

function copyMatching(from: string, to: string, test: (file: string) => boolean): void {
	if (!existsSync(from)) return;
	for (const entry of readdirSync(from)) {
		const source = path.join(from, entry);
		if (statSync(source).isDirectory()) copyMatching(source, path.join(to, entry), test);
		else if (test(entry)) {
			mkdirSync(to, { recursive: true });
			cpSync(source, path.join(to, entry));
		}
	}
}

/** Builds and packs the pack from the current sources; returns the tarball (in a temporary folder). */
export async function packThePack(): Promise<{ tarball: string; files: number; cleanup: () => void }> {
	const stage = mkdtempSync(path.join(os.tmpdir(), 'order-status-bench-pack-'));
	const cleanup = () => rmSync(stage, { recursive: true, force: true });
	try {
		const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
		await run(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(stage, 'dist')], ROOT);
		copyMatching(path.join(ROOT, 'icons'), path.join(stage, 'dist', 'icons'), (file) => file.endsWith('.svg'));
		copyMatching(path.join(ROOT, 'nodes'), path.join(stage, 'dist', 'nodes'), (file) => file.endsWith('.node.json'));
		const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
		// No lifecycle scripts in the staged copy: the build above is the build.
		delete manifest.scripts;
		writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
		for (const file of ['README.md', 'LICENSE', 'LICENSE.md']) {
			if (existsSync(path.join(ROOT, file))) cpSync(path.join(ROOT, file), path.join(stage, file));
		}
		const packed = JSON.parse(await run('npm', ['pack', '--json', '--ignore-scripts'], stage)) as Array<{ filename: string; files: unknown[] }>;
		return { tarball: path.join(stage, path.basename(packed[0].filename)), files: packed[0].files.length, cleanup };
	} catch (error) {
		cleanup();
		throw error;
	}
}

/** Installs the tarball as n8n installs a community package; returns the installed package's folder. */
export async function installPack(userFolder: string, tarball: string): Promise<string> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(path.join(nodesDir, 'package.json'), '{"name":"installed-nodes","private":true}\n');
	await run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', tarball], nodesDir);
	const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; n8n: { nodes: string[]; credentials: string[] } };
	const installed = path.join(nodesDir, 'node_modules', manifest.name);
	const missing = [...manifest.n8n.nodes, ...manifest.n8n.credentials].filter((file) => !existsSync(path.join(installed, file)));
	if (missing.length > 0) throw new Error(`the packed pack lacks ${missing.join(', ')}`);
	return installed;
}
