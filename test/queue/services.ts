/**
 * PostgreSQL and Redis for the queue-mode suite: Debian's packages (installed with apt-get when missing), started
 * as processes this suite owns (not system services), on free loopback ports, with their data in temporary
 * folders, and stopped by pid at the end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../e2e/n8n';

const PG_ROOT = '/usr/lib/postgresql';

export interface OwnedService {
	name: string;
	port: number;
	pid: number;
	dir: string;
	logFile: string;
	version: string;
	stop(): Promise<void>;
}

const owned = new Set<OwnedService>();

function log(message: string): void {
	console.log(`  [services] ${message}`);
}

/** The newest PostgreSQL server's bin folder from Debian's packages (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBinDir(): string | undefined {
	if (!existsSync(PG_ROOT)) return undefined;
	const majors = readdirSync(PG_ROOT)
		.filter((major) => existsSync(path.join(PG_ROOT, major, 'bin', 'postgres')) && existsSync(path.join(PG_ROOT, major, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return majors.length > 0 ? path.join(PG_ROOT, majors[0], 'bin') : undefined;
}

function which(command: string): string | undefined {
	const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
	for (const dir of dirs) {
		const candidate = path.join(dir, command);
		if (dir && existsSync(candidate)) return candidate;
	}
	return undefined;
}

async function execText(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {}): Promise<string> {
	return await new Promise((resolve, reject) => {
		execFile(command, args, { ...options, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`.trim()));
			else resolve(stdout);
		});
	});
}

/** Runs a command, printing a heartbeat every 15 s; its output goes to `logFile`. */
async function runWithProgress(label: string, command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): Promise<void> {
	const started = Date.now();
	const out = createWriteStream(logFile, { flags: 'a' });
	out.write(`\n$ ${command} ${args.join(' ')}\n`);
	const heartbeat = setInterval(() => log(`  … ${label}: ${Math.round((Date.now() - started) / 1000)} s`), 15_000);
	try {
		const code = await new Promise<number>((resolve, reject) => {
			const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
			child.stdout.pipe(out, { end: false });
			child.stderr.pipe(out, { end: false });
			child.on('error', reject);
			child.on('close', (exitCode) => resolve(exitCode ?? 1));
		});
		if (code !== 0) {
			const tail = readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
			throw new Error(`${label} failed (exit ${code}); last lines of ${logFile}:\n${tail}`);
		}
	} finally {
		clearInterval(heartbeat);
		out.end();
	}
}

export interface PackageInstall {
	/** Debian packages this run installed (empty when both servers were already there). */
	installed: string[];
	seconds: number;
}

/**
 * Installs PostgreSQL and Redis from Debian's packages when their servers are missing (`apt-get update` once, then
 * `apt-get install`). Needs root, as on the project's machines and CI. The packages' own service scripts are not
 * used: the suite starts its servers itself.
 */
export async function ensureServerPackages(logFile: string): Promise<PackageInstall> {
	const missing: string[] = [];
	if (!postgresBinDir() || !which('psql')) missing.push('postgresql');
	if (!which('redis-server')) missing.push('redis-server');
	if (missing.length === 0) {
		log('PostgreSQL and Redis servers are installed');
		return { installed: [], seconds: 0 };
	}
	if (process.getuid?.() !== 0) {
		throw new Error(`the queue suite needs ${missing.join(' and ')}: run it as root, or first run: apt-get install ${missing.join(' ')}`);
	}
	const started = Date.now();
	log(`installing ${missing.join(', ')} from Debian's packages (apt-get; output in ${logFile})`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	await runWithProgress('apt-get update', 'apt-get', ['update', '-q'], logFile, env);
	await runWithProgress('apt-get install', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], logFile, env);
	if (!postgresBinDir() || !which('psql') || !which('redis-server')) {
		throw new Error(`apt-get installed ${missing.join(', ')} but the servers are still missing; see ${logFile}`);
	}
	const seconds = (Date.now() - started) / 1000;
	log(`installed ${missing.join(', ')} in ${seconds.toFixed(1)} s`);
	return { installed: missing, seconds };
}

/** uid/gid of a system user from /etc/passwd (PostgreSQL refuses to run as root). */
function systemUser(name: string): { uid: number; gid: number } | undefined {
	const line = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.find((entry) => entry.startsWith(`${name}:`));
	if (!line) return undefined;
	const fields = line.split(':');
	return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function waitFor(label: string, timeoutMs: number, probe: () => Promise<boolean>, child?: ChildProcess): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${label} exited (${child.exitCode ?? child.signalCode})`);
		try {
			if (await probe()) return;
		} catch {
			// Not ready yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${label} was not ready within ${timeoutMs / 1000} s`);
}

/** Stops a process group this suite started: `signal` to the leader, SIGKILL to the group after `graceMs`. */
async function stopGroup(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
	const pid = child.pid;
	if (!pid) return;
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		try {
			process.kill(pid, signal);
		} catch {
			// Already gone.
		}
		const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs))]);
		if (timedOut) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
			await exited;
		}
	}
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		// No process of the group is left.
	}
}

export interface Postgres extends OwnedService {
	/** Runs SQL in the n8n database and returns psql's unaligned output. */
	query(sql: string): Promise<string>;
	/** Runs a query that returns one JSON value (e.g. `json_agg(...)`) and parses it. */
	json<T>(sql: string): Promise<T>;
	database: string;
	user: string;
}

/** initdb into a temporary folder and `postgres` on a free loopback port, as user postgres when run as root. */
export async function startPostgres(keep: boolean): Promise<Postgres> {
	const binDir = postgresBinDir();
	if (!binDir) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
	const psql = which('psql');
	if (!psql) throw new Error('psql not found');
	const asUser = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
	if (process.getuid?.() === 0 && !asUser) throw new Error('running as root, but there is no "postgres" user to run PostgreSQL as');
	const dir = mkdtempSync(path.join(os.tmpdir(), 'order-status-queue-pg-'));
	const dataDir = path.join(dir, 'data');
	const socketDir = path.join(dir, 'socket');
	mkdirSync(socketDir);
	if (asUser) {
		chownSync(dir, asUser.uid, asUser.gid);
		chownSync(socketDir, asUser.uid, asUser.gid);
	}
	const ids = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
	const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
	const user = 'n8n';
	await execText(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', user, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...ids, env, cwd: dir });
	const port = await freePort();
	const logFile = path.join(dir, 'postgres.log');
	const logStream = createWriteStream(logFile);
	const child = spawn(
		path.join(binDir, 'postgres'),
		[
			'-D', dataDir,
			'-p', String(port),
			'-c', 'listen_addresses=127.0.0.1',
			'-c', `unix_socket_directories=${socketDir}`,
			'-c', 'max_connections=200',
			// A throw-away test database: durability is not needed, speed is.
			'-c', 'fsync=off',
			'-c', 'synchronous_commit=off',
			'-c', 'full_page_writes=off',
		],
		{ ...ids, env, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	child.stdout!.pipe(logStream);
	child.stderr!.pipe(logStream);
	const base = ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-v', 'ON_ERROR_STOP=1', '-At'];
	const psqlEnv = { ...process.env, PGCONNECT_TIMEOUT: '5' };
	const version = (await execText(path.join(binDir, 'postgres'), ['--version'])).trim();
	const service: Postgres = {
		name: 'postgres',
		port,
		pid: child.pid ?? 0,
		dir,
		logFile,
		version,
		database: 'n8n',
		user,
		query: async (sql: string) => await execText(psql, [...base, '-d', 'n8n', '-c', sql], { env: psqlEnv }),
		json: async <T>(sql: string): Promise<T> => JSON.parse((await execText(psql, [...base, '-d', 'n8n', '-c', sql], { env: psqlEnv })).trim() || 'null') as T,
		stop: async () => {
			// SIGINT is PostgreSQL's "fast" shutdown: it disconnects clients and stops at once.
			await stopGroup(child, 'SIGINT', 15_000);
			owned.delete(service);
			if (!keep) rmSync(dir, { recursive: true, force: true });
		},
	};
	owned.add(service);
	await waitFor('PostgreSQL', 60_000, async () => (await execText(psql, [...base, '-d', 'postgres', '-c', 'select 1'], { env: psqlEnv })).trim() === '1', child);
	await execText(psql, [...base, '-d', 'postgres', '-c', 'create database n8n'], { env: psqlEnv });
	log(`${version} on 127.0.0.1:${port} (pid ${service.pid}, data ${dataDir})`);
	return service;
}

async function redisPing(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		let answer = '';
		socket.setTimeout(2000, () => {
			socket.destroy();
			resolve(false);
		});
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) {
				socket.end();
				resolve(answer.startsWith('+PONG'));
			}
		});
		socket.on('error', () => resolve(false));
	});
}

/** `redis-server` on a free loopback port, no persistence, its folder temporary. */
export async function startRedis(keep: boolean): Promise<OwnedService> {
	const binary = which('redis-server');
	if (!binary) throw new Error('redis-server not found');
	const dir = mkdtempSync(path.join(os.tmpdir(), 'order-status-queue-redis-'));
	const port = await freePort();
	const logFile = path.join(dir, 'redis.log');
	const logStream = createWriteStream(logFile);
	const version = (await execText(binary, ['--version'])).trim();
	const child = spawn(
		binary,
		['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
		{ cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	child.stdout!.pipe(logStream);
	child.stderr!.pipe(logStream);
	const service: OwnedService = {
		name: 'redis',
		port,
		pid: child.pid ?? 0,
		dir,
		logFile,
		version,
		stop: async () => {
			await stopGroup(child, 'SIGTERM', 10_000);
			owned.delete(service);
			if (!keep) rmSync(dir, { recursive: true, force: true });
		},
	};
	owned.add(service);
	await waitFor('Redis', 30_000, async () => await redisPing(port), child);
	log(`${version.split(' ').slice(0, 3).join(' ')} on 127.0.0.1:${port} (pid ${service.pid})`);
	return service;
}

/** Stops every server this module started (by pid). */
export async function stopServices(): Promise<void> {
	for (const service of [...owned]) {
		try {
			await service.stop();
		} catch (error) {
			console.error(`could not stop ${service.name} (pid ${service.pid}): ${(error as Error).message}`);
		}
	}
}
