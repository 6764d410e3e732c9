/**
 * Running a real n8n for the end-to-end suite: the environment, CLI commands (`import:*`, `execute`), the
 * server (`n8n start`) and a small REST client that signs in like the editor does (cookie + browser-id).
 * Every process started here is remembered and stopped by its pid (`stopAll`), on success and on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

import { cleanEnv, type N8nInstall } from './install';

const children = new Set<ChildProcess>();

export const ENCRYPTION_KEY = 'n8n-nodes-order-status-e2e-fixed-key';

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** The environment every n8n process of one run gets (runtime-recipes.md §2, plus isolation from the machine). */
export function n8nEnv(install: N8nInstall, userFolder: string, ports: { http: number; broker: number }): NodeJS.ProcessEnv {
	return cleanEnv({
		PATH: install.pathEnv,
		// n8n caches generated files under ~/.cache/n8n: keep them in the temporary folder too.
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		// n8n 1.x: run Code nodes in-process; 2.x always has task runners and calls this variable obsolete.
		...(Number(install.version.split('.')[0]) < 2 ? { N8N_RUNNERS_ENABLED: 'false' } : {}),
		// n8n 2.x always has a task broker: give it a free port so parallel n8n instances never clash on 5679.
		N8N_RUNNERS_BROKER_PORT: String(ports.broker),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(ports.http),
		N8N_SECURE_COOKIE: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_LOG_LEVEL: 'warn',
		NODE_ENV: 'production',
	});
}

export interface CommandResult {
	code: number;
	stdout: string;
	stderr: string;
	seconds: number;
}

let commandCount = 0;

/**
 * Runs `n8n <args>` with Node 24 and waits for it (killed by pid after `timeoutMs`). Its output goes to files in
 * `<N8N_USER_FOLDER>/e2e-logs/`, not pipes: n8n's CLI ends with `process.exit()`, which can cut off output still
 * queued for a pipe (seen with n8n 1.x under load), while writes to a file are complete when they return.
 */
export async function runN8n(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	args: string[],
	timeoutMs = 180_000,
): Promise<CommandResult> {
	const started = Date.now();
	const logDir = path.join(String(env.N8N_USER_FOLDER), 'e2e-logs');
	mkdirSync(logDir, { recursive: true });
	const base = path.join(logDir, `${String(++commandCount).padStart(3, '0')}-${args[0].replace(/[^a-z0-9]+/gi, '-')}`);
	const out = openSync(`${base}.out`, 'w');
	const err = openSync(`${base}.err`, 'w');
	return await new Promise((resolve, reject) => {
		let timedOut = false;
		const child = spawn(install.nodeBin, [install.n8nEntry, ...args], {
			cwd: env.N8N_USER_FOLDER,
			env,
			stdio: ['ignore', out, err],
			// Its own process group, so a time-out also stops anything it started.
			detached: true,
		});
		closeSync(out);
		closeSync(err);
		children.add(child);
		const timer = setTimeout(() => {
			timedOut = true;
			if (child.pid) process.kill(-child.pid, 'SIGKILL');
		}, timeoutMs);
		child.on('error', (error) => {
			clearTimeout(timer);
			children.delete(child);
			reject(error);
		});
		child.on('close', (code) => {
			clearTimeout(timer);
			children.delete(child);
			const stdout = readFileSync(`${base}.out`, 'utf8');
			let stderr = readFileSync(`${base}.err`, 'utf8');
			if (timedOut) stderr += `\n[e2e] n8n ${args[0]} timed out after ${timeoutMs / 1000} s: killed`;
			resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 });
		});
	});
}

/** The JSON document `n8n execute --rawOutput` printed, ignoring any log lines around it. */
export function parseRawOutput(output: string): unknown {
	// Colours, when n8n's logger adds them.
	// eslint-disable-next-line no-control-regex
	const stdout = output.replace(/\u001b\[[0-9;]*m/g, '');
	const line = stdout.indexOf('\n{\n');
	const start = stdout.startsWith('{\n') ? 0 : line < 0 ? -1 : line + 1;
	const end = stdout.lastIndexOf('\n}');
	if (start < 0 || end < start) throw new Error('no JSON document in the output');
	return JSON.parse(stdout.slice(start, end + 2));
}

export interface RunningN8n {
	child: ChildProcess;
	baseUrl: string;
	logFile: string;
	stop: () => Promise<void>;
}

/** Stops a process group we started: SIGTERM to its leader, then SIGKILL to the group after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || !child.pid) {
		children.delete(child);
		return;
	}
	const pid = child.pid;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	process.kill(pid, 'SIGTERM');
	const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs));
	if ((await Promise.race([exited, timer])) === 'timeout') {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// The group is already gone.
		}
		await exited;
	}
	// Runner processes n8n started in the same group, if any are left.
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		// Nothing left.
	}
	children.delete(child);
}

/**
 * `n8n start` in its own process group. Resolves when the REST API answers: /healthz answers 200 as soon as
 * the HTTP server listens, before n8n has registered its routes (a request then gets 404).
 */
export async function startN8n(install: N8nInstall, env: NodeJS.ProcessEnv, logFile: string): Promise<RunningN8n> {
	const baseUrl = `http://127.0.0.1:${env.N8N_PORT}`;
	const log = createWriteStream(logFile);
	const child = spawn(install.nodeBin, [install.n8nEntry, 'start'], {
		cwd: env.N8N_USER_FOLDER,
		env: { ...env, N8N_LOG_LEVEL: 'info' },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	children.add(child);
	child.stdout!.pipe(log);
	child.stderr!.pipe(log);
	const running: RunningN8n = { child, baseUrl, logFile, stop: async () => await stopChild(child) };

	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`n8n start exited with code ${child.exitCode}; see ${logFile}`);
		try {
			const health = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
			const settings = health.status === 200 ? await fetch(`${baseUrl}/rest/settings`, { signal: AbortSignal.timeout(5000) }) : undefined;
			if (settings?.status === 200) return running;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	await running.stop();
	throw new Error(`n8n start did not answer /healthz and /rest/settings within 180 s; see ${logFile}`);
}

export async function stopAll(): Promise<void> {
	await Promise.all([...children].map(async (child) => await stopChild(child, 5_000)));
}

/** The internal REST API as the editor uses it: an auth cookie plus a browser-id header. */
export class RestClient {
	private cookie = '';

	private readonly browserId = 'n8n-nodes-order-status-e2e';

	constructor(readonly baseUrl: string) {}

	async request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; data: T; text: string }> {
		const response = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': this.browserId,
				...(this.cookie ? { cookie: this.cookie } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
		const setCookie = response.headers.getSetCookie?.() ?? [];
		const auth = setCookie.find((value) => value.startsWith('n8n-auth='));
		if (auth) this.cookie = auth.split(';')[0];
		const text = await response.text();
		let data: unknown = text;
		try {
			data = JSON.parse(text);
		} catch {
			// Not JSON (e.g. an icon).
		}
		// The internal API wraps answers in { data }.
		const unwrapped = data && typeof data === 'object' && 'data' in data ? (data as { data: unknown }).data : data;
		return { status: response.status, data: unwrapped as T, text };
	}

	async get<T = unknown>(path: string) {
		return await this.request<T>('GET', path);
	}

	async post<T = unknown>(path: string, body: unknown) {
		return await this.request<T>('POST', path, body);
	}

	get signedIn(): boolean {
		return this.cookie !== '';
	}
}
