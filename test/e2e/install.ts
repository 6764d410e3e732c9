/**
 * Installs a real n8n (and the Node 24 it needs) into INSTALL_ROOT/<n8n version>/:
 * `npm install --ignore-scripts --prefer-offline` (the xlsx override comes from
 * test/e2e/package.json), then the `node` package's own install script (it fetches the Node 24 binary from the
 * npm registry), then `npm rebuild sqlite3 isolated-vm` with Node 24 first on PATH and its headers as nodedir.
 * A finished install leaves `.installed.json`; later runs reuse it when n8n, Node and the override match.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const E2E_DIR = __dirname;

/**
 * Where n8n installs live: a cache of this machine (kept between clones, so CI on the same machine reuses what a
 * developer or an earlier run installed), `N8N_E2E_INSTALL_DIR` to choose another. Nothing depends on it: an
 * install that is missing or incomplete is made again. (The folder name must not contain the package name: the
 * suite reads n8n's log for errors that mention the pack.)
 */
export const INSTALL_ROOT =
	process.env.N8N_E2E_INSTALL_DIR ?? path.join(os.homedir(), '.cache', 'n8n-e2e-installs');
const SPEC_FILE = path.join(E2E_DIR, 'package.json');

interface E2eSpec {
	dependencies: { n8n: string; node: string };
	overrides: Record<string, string>;
	n8nVersions: string[];
}

export interface N8nInstall {
	version: string;
	dir: string;
	/** The Node 24 binary n8n runs on. */
	nodeBin: string;
	/** n8n's CLI entry (`bin/n8n`), started with `nodeBin`. */
	n8nEntry: string;
	/** PATH with Node 24 first, for every process that runs n8n. */
	pathEnv: string;
	/** Seconds the install took now (0 when an earlier install was reused). */
	installSeconds: number;
	reused: boolean;
}

export function readSpec(): E2eSpec {
	return JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as E2eSpec;
}

/** The n8n versions to test: `N8N_E2E_VERSIONS=2.40.7,1.123.81`, else every version test/e2e/package.json lists. */
export function selectedVersions(): string[] {
	const fromEnv = (process.env.N8N_E2E_VERSIONS ?? '')
		.split(',')
		.map((version) => version.trim())
		.filter(Boolean);
	return fromEnv.length > 0 ? fromEnv : readSpec().n8nVersions;
}

/**
 * The environment for npm and n8n children. `npm run` exports its whole configuration as npm_* variables, among
 * them the project's `ignore-scripts=true` and `local-prefix=<the repository>`, which would redirect or cripple
 * the installs: those are dropped. A cache, registry or proxy the caller chose is kept.
 */
const KEPT_NPM_SETTINGS = /^npm_config_(cache|registry|cafile|userconfig|proxy|https_proxy|noproxy|strict_ssl)$/i;

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!/^npm_/i.test(key) || KEPT_NPM_SETTINGS.test(key)) env[key] = value;
	}
	return { ...env, ...extra };
}

/** A path as a person reads it: `~/…` under the home folder, else absolute (never `../../…`). */
export function displayPath(target: string): string {
	const absolute = path.resolve(target);
	const home = os.homedir();
	return absolute === home || absolute.startsWith(`${home}${path.sep}`) ? `~${absolute.slice(home.length)}` : absolute;
}

function log(version: string, message: string): void {
	console.log(`[install n8n@${version}] ${message}`);
}

function formatSeconds(seconds: number): string {
	return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(1)} s`;
}

/** Runs one install step, appending its output to install.log and printing a heartbeat every 30 s. */
async function step(
	version: string,
	dir: string,
	label: string,
	command: string,
	args: string[],
	env: NodeJS.ProcessEnv,
): Promise<number> {
	const logFile = path.join(dir, 'install.log');
	const started = Date.now();
	log(version, `${label}: ${command} ${args.join(' ')}`);
	writeFileSync(logFile, `\n$ ${command} ${args.join(' ')}\n`, { flag: 'a' });
	const heartbeat = setInterval(() => {
		const modules = path.join(dir, 'node_modules');
		const count = existsSync(modules) ? readdirSync(modules).length : 0;
		log(version, `  … ${Math.round((Date.now() - started) / 1000)} s (${count} entries in node_modules)`);
	}, 30_000);
	try {
		const code = await new Promise<number>((resolve, reject) => {
			const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
			child.stdout.on('data', (chunk: Buffer) => writeFileSync(logFile, chunk, { flag: 'a' }));
			child.stderr.on('data', (chunk: Buffer) => writeFileSync(logFile, chunk, { flag: 'a' }));
			child.on('error', reject);
			child.on('close', (exitCode) => resolve(exitCode ?? 1));
		});
		const seconds = (Date.now() - started) / 1000;
		if (code !== 0) {
			const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
			throw new Error(`${label} failed (exit ${code}) after ${formatSeconds(seconds)}. Last lines of ${logFile}:\n${tail}`);
		}
		log(version, `  done in ${formatSeconds(seconds)}`);
		return seconds;
	} finally {
		clearInterval(heartbeat);
	}
}

function installPaths(dir: string) {
	const nodeDir = path.join(dir, 'node_modules', 'node');
	return {
		nodeBin: path.join(nodeDir, 'bin', 'node'),
		nodeHeaders: path.join(nodeDir, 'node_modules', `node-${process.platform}-${process.arch}`),
		nodeBinDir: path.join(nodeDir, 'bin'),
		n8nEntry: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nPackage: path.join(dir, 'node_modules', 'n8n', 'package.json'),
		marker: path.join(dir, '.installed.json'),
	};
}

/** Installs n8n@version (or reuses the install) and returns how to run it. */
export async function ensureN8n(version: string): Promise<N8nInstall> {
	const spec = readSpec();
	const dir = path.join(INSTALL_ROOT, version);
	const paths = installPaths(dir);
	const manifest = {
		name: `n8n-e2e-install-${version.replace(/[^0-9a-z]/gi, '-')}`,
		version: '0.0.0',
		private: true,
		description: 'Generated by test/e2e/install.ts from test/e2e/package.json; safe to delete.',
		license: 'MIT',
		dependencies: { n8n: version, node: spec.dependencies.node },
		overrides: spec.overrides,
	};
	const fingerprint = createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 16);
	const pathEnv = `${paths.nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`;

	if (existsSync(paths.marker) && existsSync(paths.nodeBin) && existsSync(paths.n8nPackage)) {
		const marker = JSON.parse(readFileSync(paths.marker, 'utf8')) as { fingerprint?: string };
		const installed = (JSON.parse(readFileSync(paths.n8nPackage, 'utf8')) as { version: string }).version;
		if (marker.fingerprint === fingerprint && installed === version) {
			log(version, `reusing ${displayPath(dir)} (delete it to reinstall)`);
			return { version, dir, nodeBin: paths.nodeBin, n8nEntry: paths.n8nEntry, pathEnv, installSeconds: 0, reused: true };
		}
		log(version, 'the install does not match test/e2e/package.json any more: reinstalling');
	} else if (existsSync(dir)) {
		log(version, 'found an unfinished install: starting again');
	}

	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
	log(version, `installing n8n@${version} and node@${spec.dependencies.node} into ${displayPath(dir)} (first run only; about 3 GB)`);
	const started = Date.now();
	const npmEnv = cleanEnv();
	const seconds: Record<string, number> = {};
	// --prefer-offline: package data already in npm's cache (an earlier install, the other n8n version) is used as
	// it is instead of being revalidated request by request; what is missing still comes from the registry. The
	// same 2,339 packages resolved in 22 s instead of 45 s with a warm cache (`--dry-run`, project machine, load 4.6).
	seconds.npmInstall = await step(
		version,
		dir,
		'1/3 npm install, scripts off (2–6 min)',
		'npm',
		['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--no-update-notifier'],
		npmEnv,
	);
	seconds.nodeBinary = await step(
		version,
		dir,
		'2/3 the node package fetches the Node 24 binary',
		'npm',
		['rebuild', 'node', '--ignore-scripts=false', '--foreground-scripts'],
		npmEnv,
	);
	if (!existsSync(paths.nodeBin) || !existsSync(path.join(paths.nodeHeaders, 'include'))) {
		throw new Error(`node@${spec.dependencies.node} did not install its binary and headers under ${paths.nodeHeaders}`);
	}
	seconds.nativeModules = await step(
		version,
		dir,
		'3/3 npm rebuild sqlite3 isolated-vm with Node 24 (2–3 min)',
		'npm',
		['rebuild', 'sqlite3', 'isolated-vm', '--ignore-scripts=false'],
		cleanEnv({ PATH: pathEnv, npm_config_nodedir: paths.nodeHeaders }),
	);
	const total = (Date.now() - started) / 1000;
	writeFileSync(
		paths.marker,
		`${JSON.stringify({ fingerprint, n8n: version, node: spec.dependencies.node, installedAt: new Date().toISOString(), seconds: { ...seconds, total } }, null, 2)}\n`,
	);
	log(version, `installed in ${formatSeconds(total)}`);
	return { version, dir, nodeBin: paths.nodeBin, n8nEntry: paths.n8nEntry, pathEnv, installSeconds: total, reused: false };
}

// `node -r ts-node/register/transpile-only test/e2e/install.ts [version…]` installs without running the suite.
if (require.main === module) {
	const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : selectedVersions();
	(async () => {
		for (const version of versions) await ensureN8n(version);
	})().catch((error: unknown) => {
		console.error(error instanceof Error ? error.message : error);
		process.exit(1);
	});
}
