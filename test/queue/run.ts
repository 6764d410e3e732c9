/**
 * `npm run test:queue`: the pack in n8n's queue mode (issue 10).
 *
 * 1. PostgreSQL and Redis from Debian's packages (apt-get installs them when missing), started as processes this
 *    suite owns on free loopback ports with temporary data folders (services.ts).
 * 2. n8n 2.40.7 on Node 24, the end-to-end suite's install (test/e2e/install.ts: made on first use, then reused), the pack built,
 *    packed and installed from its tarball into the `.n8n/nodes` of EVERY instance (main and each worker has its
 *    own user folder, as separate machines or containers would), the provider simulators in this process.
 * 3. `n8n start` with EXECUTIONS_MODE=queue (the main instance: editor, REST API, webhooks, polling triggers) and
 *    two `n8n worker` processes, all on the same Postgres, Redis and encryption key.
 * 4. Phases: cold PPL token bursts measured without and with the cold-token wait (the workers first run the same
 *    build with the wait switched off), a cold burst of concurrent webhook-started executions over the four provider
 *    nodes (Route by Status and Only Output Changes on), the static-data change memory across workers, a warm burst,
 *    a burst after the providers expired every token, Sender callbacks through n8n's webhook handling, Only Output
 *    Changes on the Data Table memory in an active scheduled workflow (and two overlapping executions), and a worker
 *    killed (SIGKILL) in the middle of a run; all the while an Altcraft Market Trigger polls every minute on the main
 *    instance.
 * 5. A report (printed and saved as test/queue/results/latest.json + latest.md); exit code 1 on any failed check.
 *
 * Everything started here is stopped by pid at the end, on failure and on Ctrl-C. QUEUE_KEEP=1 keeps the
 * temporary folders (logs, database) for a look afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CREDENTIAL_EMPTY_VALUE } from 'n8n-workflow';

import { ALTCRAFT_ROUTES, AltcraftSimulator } from '../simulators/altcraft';
import { createDemoSimulators, DEMO_CREDENTIALS, type DemoSimulators } from '../simulators/demoData';
import { PITNEY_BOWES_ROUTES } from '../simulators/pitneyBowes';
import { PPL_ROUTES } from '../simulators/ppl';
import { SENDER_ROUTES } from '../simulators/sender';
import { allSecrets, demoCredentials, type ImportableCredential } from '../e2e/credentials';
import { ensureN8n, readSpec, type N8nInstall } from '../e2e/install';
import { freePort, n8nEnv, RestClient, runN8n, stopAll } from '../e2e/n8n';
import { run } from '../e2e/stack';
import { ensureServerPackages, startPostgres, startRedis, stopServices, type OwnedService, type Postgres } from './services';
import {
	actionWorkflow,
	altcraftTriggerWorkflow,
	dataTableWorkflow,
	DT_CREDENTIAL,
	DT_MEMORY_CREDENTIAL,
	DT_NODE,
	DT_ORDERS,
	DT_REFUSED_WEBHOOK_PATH,
	DT_REFUSED_WORKFLOW_ID,
	DT_TABLE,
	DT_TICK_SECONDS,
	DT_WEBHOOK_PATH,
	DT_WORKFLOW_ID,
	expectedOutput,
	PRIMER_WEBHOOK_PATH,
	PRIMER_WORKFLOW_ID,
	primerWorkflow,
	normalisedOf,
	PROVIDER_SPECS,
	PROVIDERS,
	SENDER_CALLBACK_SECRET,
	SENDER_TRIGGER_NODE,
	SENDER_TRIGGER_WORKFLOW_ID,
	senderTriggerWorkflow,
	TRIGGER_CREDENTIAL,
	TRIGGER_NODE,
	TRIGGER_WORKFLOW_ID,
	UNCHANGED_OUTPUT,
	type Provider,
} from './workflows';

const ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(__dirname, 'results');
const N8N_VERSION = process.env.N8N_QUEUE_VERSION ?? '2.40.7';
const KEEP = process.env.QUEUE_KEEP === '1';
/** Concurrent executions per provider in each burst (4 providers). */
const RUNS_PER_PROVIDER = Number(process.env.QUEUE_RUNS_PER_PROVIDER ?? 13);
/**
 * Concurrent runs per provider after the providers expired every token. Kept under PPL's limit of 12 token requests
 * a minute: concurrent executions that see the expired token each fetch a new one (see the report's notes), and
 * 13 concurrent PPL runs were seen to make 11 requests.
 */
const EXPIRY_RUNS_PER_PROVIDER = Number(process.env.QUEUE_EXPIRY_RUNS_PER_PROVIDER ?? 10);
const ORDERS_PER_RUN = 3;
/** Bull settings for every instance: a killed worker's jobs are noticed within ~25 s instead of ~90 s. */
const BULL_SETTINGS = { QUEUE_WORKER_LOCK_DURATION: '15000', QUEUE_WORKER_LOCK_RENEW_TIME: '5000', QUEUE_WORKER_STALLED_INTERVAL: '10000' };
const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);

type Json = Record<string, unknown>;

// ---------------------------------------------------------------- small helpers

const sleep = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

function seconds(since: number): number {
	return Math.round((Date.now() - since) / 100) / 10;
}

function formatSeconds(value: number): string {
	return value >= 60 ? `${Math.floor(value / 60)} min ${Math.round(value % 60)} s` : `${value.toFixed(1)} s`;
}

function heading(text: string): void {
	console.log(`\n=== ${text}`);
}

function info(text: string): void {
	console.log(`  ${text}`);
}

async function waitUntil<T>(label: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, intervalMs = 500): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	while (Date.now() < deadline) {
		try {
			const value = await probe();
			if (value !== undefined) return value;
		} catch (error) {
			lastError = error;
		}
		await sleep(intervalMs);
	}
	throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${label}${lastError ? ` (${(lastError as Error).message})` : ''}`);
}

/** Named assertions; a failed one is recorded and the suite goes on. */
class Checks {
	readonly failed: string[] = [];

	readonly counts: Record<string, { passed: number; total: number }> = {};

	check(group: string, name: string, condition: boolean, detail = ''): boolean {
		const count = (this.counts[group] ??= { passed: 0, total: 0 });
		count.total++;
		if (condition) count.passed++;
		else {
			this.failed.push(`${group}: ${name}${detail ? ` — ${detail}` : ''}`);
			console.log(`  ✗ ${name}${detail ? ` — ${detail}` : ''}`);
		}
		return condition;
	}

	fail(group: string, name: string, error: unknown): void {
		this.check(group, name, false, error instanceof Error ? error.message : String(error));
	}

	get total(): { passed: number; total: number } {
		return Object.values(this.counts).reduce((acc, count) => ({ passed: acc.passed + count.passed, total: acc.total + count.total }), { passed: 0, total: 0 });
	}
}

// ---------------------------------------------------------------- n8n processes

interface N8nProcess {
	name: string;
	command: 'start' | 'worker';
	child: ChildProcess;
	logFile: string;
	env: NodeJS.ProcessEnv;
	healthPort?: number;
	startedAt: number;
}

const n8nProcesses = new Set<N8nProcess>();

function spawnN8n(install: N8nInstall, name: string, command: 'start' | 'worker', env: NodeJS.ProcessEnv, logFile: string, healthPort?: number): N8nProcess {
	const log = createWriteStream(logFile, { flags: 'a' });
	const child = spawn(install.nodeBin, [install.n8nEntry, command], {
		cwd: env.N8N_USER_FOLDER,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		// Its own process group: stopping or killing it also ends the task runner it starts.
		detached: true,
	});
	child.stdout!.pipe(log);
	child.stderr!.pipe(log);
	const process_: N8nProcess = { name, command, child, logFile, env, healthPort, startedAt: Date.now() };
	n8nProcesses.add(process_);
	return process_;
}

function alive(proc: N8nProcess): boolean {
	return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Graceful stop (SIGTERM, n8n drains its jobs), then SIGKILL to the group after `graceMs`. */
async function stopN8n(proc: N8nProcess, graceMs = 30_000): Promise<void> {
	const pid = proc.child.pid;
	if (pid && alive(proc)) {
		const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
		try {
			process.kill(pid, 'SIGTERM');
		} catch {
			// Gone already.
		}
		const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
		if (timedOut) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// Gone already.
			}
			await exited;
		}
	}
	if (pid) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// Nothing of the group is left.
		}
	}
	n8nProcesses.delete(proc);
}

/** SIGKILL to the worker's whole process group (the worker and its task runner), as when a machine dies. */
async function killN8n(proc: N8nProcess): Promise<void> {
	const pid = proc.child.pid;
	if (!pid) return;
	const exited = alive(proc) ? new Promise<void>((resolve) => proc.child.once('exit', () => resolve())) : Promise.resolve();
	process.kill(-pid, 'SIGKILL');
	await exited;
	n8nProcesses.delete(proc);
}

async function stopAllN8n(): Promise<void> {
	await Promise.all([...n8nProcesses].map(async (proc) => await stopN8n(proc, 15_000)));
	await stopAll();
}

async function waitForMain(proc: N8nProcess, baseUrl: string): Promise<void> {
	await waitUntil(`n8n main on ${baseUrl} (log ${proc.logFile})`, 240_000, async () => {
		if (!alive(proc)) throw new Error(`n8n start exited (${proc.child.exitCode ?? proc.child.signalCode}); see ${proc.logFile}`);
		const health = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
		if (health.status !== 200) return undefined;
		const settings = await fetch(`${baseUrl}/rest/settings`, { signal: AbortSignal.timeout(5000) });
		return settings.status === 200 ? true : undefined;
	});
}

async function waitForWorker(proc: N8nProcess): Promise<void> {
	await waitUntil(`${proc.name} readiness (log ${proc.logFile})`, 240_000, async () => {
		if (!alive(proc)) throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}); see ${proc.logFile}`);
		const ready = await fetch(`http://127.0.0.1:${proc.healthPort}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
		return ready.status === 200 ? true : undefined;
	});
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Execution ids a worker's log says it started and finished ("Worker started execution 12 (job 7)"). */
function workerLog(proc: { logFile: string }): { started: Set<number>; finished: Set<number>; polls: number } {
	const text = existsSync(proc.logFile) ? readFileSync(proc.logFile, 'utf8').replace(ANSI, '') : '';
	const started = new Set<number>();
	const finished = new Set<number>();
	for (const match of text.matchAll(/Worker started execution (\d+) \(job/g)) started.add(Number(match[1]));
	for (const match of text.matchAll(/Worker finished execution (\d+) \(job/g)) finished.add(Number(match[1]));
	const polls = [...text.matchAll(/Poll trigger initiated/g)].length;
	return { started, finished, polls };
}

// ---------------------------------------------------------------- the pack

async function buildAndPack(workDir: string): Promise<string> {
	await run('npm', ['run', 'build'], ROOT);
	const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', workDir], ROOT)) as Array<{ filename: string }>;
	return path.join(workDir, path.basename(packed[0].filename));
}

/**
 * The same build with the cold-token wait switched off (`COLD_TOKEN_STAGGER_MS = 0` in the compiled
 * providerClient.js), packed in a folder of its own: the baseline of the cold-token measurement. Nothing else differs.
 */
async function packWithoutColdTokenWait(workDir: string): Promise<string> {
	const dir = path.join(workDir, 'baseline-package');
	mkdirSync(dir, { recursive: true });
	cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
	cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
	const file = path.join(dir, 'dist', 'nodes', 'shared', 'providerClient.js');
	const code = readFileSync(file, 'utf8');
	const patched = code.replace(/exports\.COLD_TOKEN_STAGGER_MS = \d+;/, 'exports.COLD_TOKEN_STAGGER_MS = 0;');
	if (patched === code) throw new Error(`COLD_TOKEN_STAGGER_MS not found in ${file}`);
	writeFileSync(file, patched);
	const out = path.join(workDir, 'baseline-pack');
	mkdirSync(out, { recursive: true });
	const packed = JSON.parse(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], dir)) as Array<{ filename: string }>;
	return path.join(out, path.basename(packed[0].filename));
}

/** The cold-token wait of the pack installed in a user folder (0 for the baseline build). */
function installedColdTokenWait(userFolder: string): number {
	const file = path.join(userFolder, '.n8n', 'nodes', 'node_modules', 'n8n-nodes-order-status', 'dist', 'nodes', 'shared', 'providerClient.js');
	const match = /exports\.COLD_TOKEN_STAGGER_MS = (\d+);/.exec(readFileSync(file, 'utf8'));
	if (!match) throw new Error(`no COLD_TOKEN_STAGGER_MS in ${file}`);
	return Number(match[1]);
}

/** Installs the tarball into `<userFolder>/.n8n/nodes` as n8n installs a community package. */
async function installPack(userFolder: string, tarball: string): Promise<void> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(path.join(nodesDir, 'package.json'), '{"name":"installed-nodes","private":true}\n');
	await run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', tarball], nodesDir);
}

// ---------------------------------------------------------------- executions in the database

interface ExecutionRow {
	id: number;
	workflowId: string;
	status: string;
	mode: string;
	finished: boolean;
	data: string | null;
}

interface RunData {
	resultData?: {
		runData?: Record<string, Array<{ data?: { main?: Array<Json[] | null> }; error?: Json; executionStatus?: string }>>;
		error?: { message?: string };
	};
}

let flattedParse: ((text: string) => unknown) | undefined;

function parseExecutionData(install: N8nInstall, text: string | null): RunData {
	if (!text) return {};
	if (!flattedParse) {
		// n8n stores run data in the `flatted` format; the package comes with n8n.
		const load = createRequire(__filename);
		const modulePath = load.resolve('flatted', { paths: [path.join(install.dir, 'node_modules', 'n8n'), install.dir, ROOT] });
		flattedParse = (load(modulePath) as { parse: (text: string) => unknown }).parse;
	}
	return flattedParse(text) as RunData;
}

async function executionRows(pg: Postgres, where: string): Promise<ExecutionRow[]> {
	return await pg.json<ExecutionRow[]>(
		`select coalesce(json_agg(row_to_json(x) order by x.id), '[]'::json) from (` +
			`select e.id, e."workflowId", e.status, e.mode, e.finished, d.data from execution_entity e ` +
			`left join execution_data d on d."executionId" = e.id where ${where}) x`,
	);
}

async function maxExecutionId(pg: Postgres): Promise<number> {
	return Number((await pg.query('select coalesce(max(id), 0) from execution_entity')).trim());
}

/** Items of every output of a node's first run: `[outputIndex, item json]`. */
function nodeOutputs(data: RunData, nodeName: string): Array<{ output: number; json: Json }> | undefined {
	const runs = data.resultData?.runData?.[nodeName];
	if (!runs || runs.length === 0) return undefined;
	return (runs[0].data?.main ?? []).flatMap((items, output) => (items ?? []).map((item) => ({ output, json: (item.json ?? {}) as Json })));
}

// ---------------------------------------------------------------- the simulated world

interface World {
	sims: DemoSimulators;
	triggerSim: AltcraftSimulator;
	/** The Altcraft simulator of the Data Table memory phase. */
	dtSim: AltcraftSimulator;
	urls: Record<Provider, string> & { trigger: string; dataTable: string };
}

/** Adds an order with this raw status to a provider simulator. */
function seedOrder(world: World, provider: Provider, orderId: string, raw: string): void {
	const { sims } = world;
	switch (provider) {
		case 'altcraft':
			sims.altcraft.addOrder({ external_id: orderId, status: raw, endpoint: 'website' });
			return;
		case 'ppl':
			sims.ppl.addOrder({ referenceId: orderId, orderState: raw as 'Created' });
			return;
		case 'pitneyBowes':
			sims.pitneyBowes.addOrder({ orderId, status: raw });
			return;
		case 'sender':
			sims.sender.addOrder({ reference: orderId, status: 'pending' });
			if (raw !== 'pending') sims.sender.setStatus(orderId, raw);
	}
}

/** Changes an existing order's raw status in its simulator. */
function changeOrder(world: World, provider: Provider, orderId: string, raw: string): void {
	const { sims } = world;
	switch (provider) {
		case 'altcraft':
			sims.altcraft.setStatus(orderId, raw);
			return;
		case 'ppl':
			sims.ppl.setOrderState(orderId, raw as 'Created');
			return;
		case 'pitneyBowes':
			sims.pitneyBowes.setStatus(orderId, raw);
			return;
		case 'sender':
			sims.sender.setStatus(orderId, raw);
	}
}

/** The simulator's id of an issued token: PPL issues signed JWTs whose `jti` is the id, Pitney Bowes the id itself. */
function tokenId(token: string): string {
	const parts = token.split('.');
	if (parts.length !== 3) return token;
	try {
		const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { jti?: unknown };
		return typeof payload.jti === 'string' ? payload.jti : token;
	} catch {
		return token;
	}
}

function tokenRequests(world: World): { ppl: number; pitneyBowes: number } {
	return { ppl: world.sims.ppl.count(PPL_ROUTES.token), pitneyBowes: world.sims.pitneyBowes.count(PITNEY_BOWES_ROUTES.token) };
}

// ---------------------------------------------------------------- action runs

interface ExpectedItem {
	orderId: string;
	raw: string;
	status: string;
	changed: boolean;
	previousStatus: string | null;
}

interface PlannedRun {
	provider: Provider;
	tag: string;
	expected: ExpectedItem[];
}

interface RunOutcome {
	planned: PlannedRun;
	executionId?: number;
	status?: string;
	workers: string[];
	httpStatus?: number;
	problems: string[];
	row?: ExecutionRow;
}

interface Context {
	install: N8nInstall;
	pg: Postgres;
	world: World;
	mainUrl: string;
	checks: Checks;
	workers: N8nProcess[];
	/** Every worker process of the run, by name, for log attribution (killed and restarted ones included). */
	workerLogs: Map<string, string>;
}

function attribute(ctx: Context): Map<number, string[]> {
	const byExecution = new Map<number, string[]>();
	for (const [name, logFile] of ctx.workerLogs) {
		for (const id of workerLog({ logFile }).started) byExecution.set(id, [...(byExecution.get(id) ?? []), name]);
	}
	return byExecution;
}

async function postWebhook(ctx: Context, webhookPath: string, body: unknown, signal?: AbortSignal): Promise<number> {
	const response = await fetch(`${ctx.mainUrl}/webhook/${webhookPath}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: signal ?? AbortSignal.timeout(300_000),
	});
	await response.text();
	return response.status;
}

function tagOf(data: RunData): string | undefined {
	const webhook = nodeOutputs(data, 'Webhook');
	const body = webhook?.[0]?.json.body as Json | undefined;
	return typeof body?.tag === 'string' ? body.tag : undefined;
}

/** Compares a finished execution's pack-node items with what the run should output. */
function judge(ctx: Context, planned: PlannedRun, row: ExecutionRow, workers: string[]): RunOutcome {
	const spec = PROVIDER_SPECS[planned.provider];
	const outcome: RunOutcome = { planned, executionId: row.id, status: row.status, workers, problems: [], row };
	if (row.status !== 'success') outcome.problems.push(`status ${row.status}`);
	const data = parseExecutionData(ctx.install, row.data);
	if (data.resultData?.error) outcome.problems.push(`workflow error: ${String(data.resultData.error.message).slice(0, 200)}`);
	const items = nodeOutputs(data, spec.nodeName);
	if (!items) {
		outcome.problems.push(`node "${spec.nodeName}" did not run`);
		return outcome;
	}
	if (items.length !== planned.expected.length) outcome.problems.push(`${items.length} items, expected ${planned.expected.length}`);
	for (const want of planned.expected) {
		const found = items.filter((item) => item.json.orderId === want.orderId);
		if (found.length !== 1) {
			outcome.problems.push(`${want.orderId}: ${found.length} items`);
			continue;
		}
		const { output, json } = found[0];
		const wantOutput = expectedOutput(want.status, want.changed);
		const problems = [
			json.status !== want.status && `status ${String(json.status)} ≠ ${want.status}`,
			String(json.statusRaw) !== want.raw && `statusRaw ${String(json.statusRaw)} ≠ ${want.raw}`,
			json.provider !== spec.itemProvider && `provider ${String(json.provider)}`,
			json.changed !== want.changed && `changed ${String(json.changed)} ≠ ${want.changed}`,
			(json.previousStatus ?? null) !== want.previousStatus && `previousStatus ${String(json.previousStatus)} ≠ ${String(want.previousStatus)}`,
			output !== wantOutput && `output ${output} ≠ ${wantOutput}`,
			(typeof json.checkedAt !== 'string' || typeof json.isFinal !== 'boolean') && 'canonical fields missing',
		].filter(Boolean);
		if (problems.length > 0) outcome.problems.push(`${want.orderId}: ${problems.join(', ')}`);
	}
	const text = row.data ?? '';
	if (allSecrets().some((secret) => text.includes(secret))) outcome.problems.push('a credential secret is in the execution data');
	if (workers.length === 0) outcome.problems.push('no worker log shows this execution (did the main instance run it?)');
	if (workers.length > 1) outcome.problems.push(`started on ${workers.length} workers: ${workers.join(', ')}`);
	return outcome;
}

/**
 * Sends the planned runs' webhooks all at once, waits for their executions to end and judges them. Executions are
 * found through the `tag` each request carries (the Webhook node's output).
 */
async function runAll(ctx: Context, planned: PlannedRun[], timeoutMs = 240_000): Promise<RunOutcome[]> {
	const before = await maxExecutionId(ctx.pg);
	const workflowIds = [...new Set(planned.map((run_) => `'${PROVIDER_SPECS[run_.provider].workflowId}'`))].join(',');
	const http = new Map<string, number>();
	await Promise.all(
		planned.map(async (run_) => {
			try {
				http.set(run_.tag, await postWebhook(ctx, PROVIDER_SPECS[run_.provider].webhookPath, { tag: run_.tag, orders: run_.expected.map((want) => ({ orderId: want.orderId })) }));
			} catch (error) {
				http.set(run_.tag, -1);
				console.log(`  webhook ${run_.tag} failed: ${(error as Error).message}`);
			}
		}),
	);
	const rows = await waitUntil(`${planned.length} executions to finish`, timeoutMs, async () => {
		const found = await executionRows(ctx.pg, `e.id > ${before} and e."workflowId" in (${workflowIds})`);
		return found.length >= planned.length && found.every((row) => TERMINAL.has(row.status)) ? found : undefined;
	}, 1000);
	const byTag = new Map<string, ExecutionRow>();
	for (const row of rows) {
		const tag = tagOf(parseExecutionData(ctx.install, row.data));
		if (tag) byTag.set(tag, row);
	}
	// Worker logs are written asynchronously: give them a moment.
	await sleep(500);
	const workers = attribute(ctx);
	return planned.map((run_) => {
		const row = byTag.get(run_.tag);
		if (!row) return { planned: run_, workers: [], httpStatus: http.get(run_.tag), problems: ['no execution found for this request'] };
		const outcome = judge(ctx, run_, row, workers.get(row.id) ?? []);
		outcome.httpStatus = http.get(run_.tag);
		if (outcome.httpStatus !== 200) outcome.problems.push(`webhook answered HTTP ${outcome.httpStatus}`);
		return outcome;
	});
}

/** `runsPerProvider` runs per provider, each on `ORDERS_PER_RUN` new orders (first sightings: all "changed"). */
function planBurst(world: World, label: string, providers: Provider[], runsPerProvider: number): PlannedRun[] {
	const planned: PlannedRun[] = [];
	for (const provider of providers) {
		const spec = PROVIDER_SPECS[provider];
		for (let index = 0; index < runsPerProvider; index++) {
			const tag = `${label}-${provider}-${String(index + 1).padStart(2, '0')}`;
			const expected: ExpectedItem[] = [];
			for (let order = 0; order < ORDERS_PER_RUN; order++) {
				const { raw, status } = spec.statuses[(index * ORDERS_PER_RUN + order) % spec.statuses.length];
				const orderId = spec.orderId(`${label}-${index + 1}-${order + 1}`.toUpperCase());
				seedOrder(world, provider, orderId, raw);
				expected.push({ orderId, raw, status, changed: true, previousStatus: null });
			}
			planned.push({ provider, tag, expected });
		}
	}
	return planned;
}

interface PhaseResult {
	name: string;
	executions: number;
	ok: number;
	perWorker: Record<string, number>;
	tokenRequests: { ppl: number; pitneyBowes: number };
	seconds: number;
}

function summarise(name: string, outcomes: RunOutcome[], tokens: { ppl: number; pitneyBowes: number }, started: number): PhaseResult {
	const perWorker: Record<string, number> = {};
	for (const outcome of outcomes) for (const worker of outcome.workers) perWorker[worker] = (perWorker[worker] ?? 0) + 1;
	return {
		name,
		executions: outcomes.length,
		ok: outcomes.filter((outcome) => outcome.problems.length === 0).length,
		perWorker,
		tokenRequests: tokens,
		seconds: seconds(started),
	};
}

function checkOutcomes(ctx: Context, group: string, outcomes: RunOutcome[]): void {
	for (const outcome of outcomes) {
		ctx.checks.check(group, `${outcome.planned.tag} (execution ${outcome.executionId ?? '?'}, ${outcome.workers.join('+') || 'no worker'})`, outcome.problems.length === 0, outcome.problems.join('; '));
	}
}

function diffTokens(after: { ppl: number; pitneyBowes: number }, before: { ppl: number; pitneyBowes: number }) {
	return { ppl: after.ppl - before.ppl, pitneyBowes: after.pitneyBowes - before.pitneyBowes };
}

// ---------------------------------------------------------------- static data

interface StaticCheck {
	workflowId: string;
	valid: boolean;
	problems: string[];
	remembered: number;
	keys: Set<string>;
}

const STATUSES = new Set(['pending', 'accepted', 'processing', 'on_hold', 'shipped', 'delivered', 'cancelled', 'rejected', 'returned', 'unknown']);

/** Reads a workflow's static data from Postgres and checks that every node's change memory is whole. */
async function readStaticData(pg: Postgres, workflowId: string): Promise<StaticCheck> {
	const raw = (await pg.query(`select coalesce("staticData"::text, 'null') from workflow_entity where id = '${workflowId}'`)).trim();
	const result: StaticCheck = { workflowId, valid: true, problems: [], remembered: 0, keys: new Set() };
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw || 'null');
	} catch (error) {
		return { ...result, valid: false, problems: [`static data is not JSON: ${(error as Error).message}`] };
	}
	if (parsed === null) return result;
	for (const [key, value] of Object.entries(parsed as Json)) {
		if (!key.startsWith('node:')) continue;
		const memory = (value as Json)?.orderStatus as Json | undefined;
		if (!memory) continue;
		for (const list of ['open', 'finished']) {
			const entries = memory[list];
			if (!entries || typeof entries !== 'object' || Array.isArray(entries)) {
				result.problems.push(`${key}.orderStatus.${list} is not an object`);
				continue;
			}
			for (const [orderKey, status] of Object.entries(entries as Json)) {
				result.remembered++;
				result.keys.add(orderKey);
				if (typeof status !== 'string' || !STATUSES.has(status)) result.problems.push(`${key}: ${orderKey} → ${JSON.stringify(status)}`);
			}
		}
	}
	result.valid = result.problems.length === 0;
	return result;
}

// ---------------------------------------------------------------- the polling trigger

const TRIGGER_ORDERS: Array<[string, string]> = [
	['TRG-1', 'new'],
	['TRG-2', 'paid'],
	['TRG-3', 'new'],
	['TRG-4', 'paid'],
	['TRG-5', 'new'],
	['TRG-6', 'delivered'],
];

interface Transition {
	orderId: string;
	from: string;
	to: string;
	round: string;
}

class TriggerWatch {
	readonly transitions: Transition[] = [];

	readonly rounds: Array<{ round: string; pollsBefore: number; at: number }> = [];

	constructor(private readonly sim: AltcraftSimulator) {}

	get polls(): number {
		return this.sim.count(ALTCRAFT_ROUTES.list);
	}

	change(round: string, changes: Array<[string, string]>): void {
		this.rounds.push({ round, pollsBefore: this.polls, at: Date.now() });
		for (const [orderId, raw] of changes) {
			const order = this.sim.orders.find((candidate) => candidate.external_id === orderId);
			if (!order) throw new Error(`no trigger order ${orderId}`);
			this.transitions.push({ orderId, from: normalisedOf('altcraft', order.status), to: normalisedOf('altcraft', raw), round });
			this.sim.setStatus(orderId, raw);
		}
		info(`trigger round "${round}": ${changes.map(([orderId, raw]) => `${orderId} → ${raw}`).join(', ')} (after poll ${this.polls})`);
	}

	/** Waits for the next poll after `count` polls, then for its execution to be enqueued. */
	async waitForPollAfter(count: number, timeoutMs = 150_000): Promise<number> {
		const polls = await waitUntil(`poll ${count + 1} of the Altcraft Market Trigger`, timeoutMs, () => (this.polls > count ? this.polls : undefined), 500);
		await sleep(3000);
		return polls;
	}
}

// ---------------------------------------------------------------- the report

interface Report {
	date: string;
	result: 'PASS' | 'FAIL';
	versions: Record<string, string>;
	setup: Record<string, string | number>;
	timings: Record<string, number>;
	phases: PhaseResult[];
	executions: { total: number; byStatus: Record<string, number>; perWorker: Record<string, number> };
	tokenRequests: Record<string, Record<string, number>>;
	duplicates: { triggerTransitionsEmittedTwice: number; executionsStartedTwice: number };
	lost: number;
	changeMemory: Record<string, unknown>;
	dataTableMemory: Record<string, unknown>;
	coldTokenBursts: ColdRound[];
	kill: Record<string, unknown>;
	trigger: Record<string, unknown>;
	sender: Record<string, unknown>;
	staticData: Record<string, unknown>;
	credentials: Record<string, unknown>;
	checks: { passed: number; total: number; failures: string[] };
	knownLimitations: string[];
	notes: string[];
}

function keyValues(record: Record<string, unknown>): string {
	return Object.entries(record)
		.map(([key, value]) => `${key} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
		.join(', ');
}

function markdown(report: Report): string {
	const lines: string[] = [];
	lines.push(`# Queue-mode suite (npm run test:queue): ${report.result}`, '');
	lines.push(`${report.date}: n8n ${report.versions.n8n} on Node ${report.versions.node}, ${report.versions.postgres}, ${report.versions.redis}; runner on Node ${report.versions.runner}.`, '');
	lines.push(`Setup: ${Object.entries(report.setup).map(([key, value]) => `${key}: ${value}`).join('; ')}.`, '');
	lines.push('| phase | executions | as expected | per worker | token requests PPL / Pitney Bowes | time |', '| --- | --- | --- | --- | --- | --- |');
	for (const phase of report.phases) {
		const perWorker = Object.entries(phase.perWorker).map(([worker, count]) => `${worker} ${count}`).join(', ');
		lines.push(`| ${phase.name} | ${phase.executions} | ${phase.ok} | ${perWorker} | ${phase.tokenRequests.ppl} / ${phase.tokenRequests.pitneyBowes} | ${formatSeconds(phase.seconds)} |`);
	}
	lines.push('');
	lines.push(`- Executions: ${report.executions.total} (${keyValues(report.executions.byStatus)}); per worker: ${keyValues(report.executions.perWorker)}.`);
	lines.push(`- Token requests: ${Object.entries(report.tokenRequests).map(([credential, counts]) => `${credential}: ${keyValues(counts)}`).join('; ')}.`);
	lines.push(`- Duplicates: ${report.duplicates.triggerTransitionsEmittedTwice} trigger transitions emitted twice, ${report.duplicates.executionsStartedTwice} executions started on two workers. Lost: ${report.lost}.`);
	lines.push(`- Change memory (Only Output Changes, Workflow Static Data) across executions: ${keyValues(report.changeMemory)}.`);
	const dt = report.dataTableMemory as {
		table?: string;
		tickSeconds?: number;
		ticks?: Array<{ tick: number; execution: number; worker: string; status: string; emitted: string[]; expected: string[]; unchanged: number }>;
		overlap?: { executions: number[]; workers: string[]; overlapSeconds: number | null; emitted: string[][]; sameChange?: Array<{ transition: string; reportedBy: number[]; unchangedFor: number[] }> };
		withoutApiKey?: { message: string; executionStatus: string };
		transitionsMade?: number;
		transitionsEmitted?: number;
		executions?: number;
	};
	if (dt.ticks) {
		lines.push('', `Only Output Changes with the Data Table memory ("${dt.table}"): an active workflow, Schedule Trigger every ${dt.tickSeconds} s; the orders change in the simulator after a tick ends.`, '');
		lines.push('| tick | execution | worker | emitted (changed outputs) | changes made before the tick | unchanged |', '| --- | --- | --- | --- | --- | --- |');
		for (const tick of dt.ticks) {
			lines.push(`| ${tick.tick} | ${tick.execution} (${tick.status}) | ${tick.worker} | ${tick.emitted.join('; ') || '–'} | ${tick.expected.join('; ') || '–'} | ${tick.unchanged} |`);
		}
		if (dt.overlap) {
			lines.push('', `Two overlapping executions (webhook, ${dt.overlap.overlapSeconds} s overlap): executions ${dt.overlap.executions.join(' and ')} on ${dt.overlap.workers.join(' and ')}; emitted ${dt.overlap.emitted.map((items) => `[${items.join('; ')}]`).join(' and ')}.`);
			for (const entry of dt.overlap.sameChange ?? []) lines.push(`- ${entry.transition}: reported by ${entry.reportedBy.join(', ') || 'none'}, unchanged for ${entry.unchangedFor.join(', ') || 'none'}`);
		}
		lines.push('', `Transitions made ${dt.transitionsMade}, emitted ${dt.transitionsEmitted}, executions ${dt.executions}. Without the API credential: ${dt.withoutApiKey?.executionStatus}, "${dt.withoutApiKey?.message}".`);
	}
	if (report.coldTokenBursts.length > 0) {
		lines.push('', `Cold token bursts (PPL, ${report.coldTokenBursts[0].executions} concurrent executions per round, no token cached; PPL allows 12 token requests a minute):`, '');
		lines.push('| variant | round | token requests | executions succeeded | per worker | time |', '| --- | --- | --- | --- | --- | --- |');
		for (const round of report.coldTokenBursts) {
			lines.push(`| ${round.variant} | ${round.round} | ${round.tokenRequests} | ${round.succeeded}/${round.executions} | ${Object.entries(round.perWorker).map(([worker, count]) => `${worker} ${count}`).join(', ')} | ${formatSeconds(round.seconds)} |`);
		}
		lines.push('');
	}
	lines.push(`- Worker killed: ${keyValues(report.kill)}.`);
	lines.push(`- Polling trigger: ${keyValues(report.trigger)}.`);
	lines.push(`- Sender callbacks: ${keyValues(report.sender)}.`);
	lines.push(`- Static data: ${keyValues(report.staticData)}.`);
	lines.push(`- Credentials at the end: ${keyValues(report.credentials)}.`);
	lines.push('', `Timings (s): ${keyValues(report.timings)}.`);
	lines.push('', `Checks: ${report.checks.passed}/${report.checks.total} passed.`);
	for (const failure of report.checks.failures) lines.push(`- FAILED ${failure}`);
	if (report.knownLimitations.length > 0) {
		lines.push('', 'Known limitations (n8n behaviour, reported, not failed):');
		for (const limitation of report.knownLimitations) lines.push(`- ${limitation}`);
	}
	if (report.notes.length > 0) {
		lines.push('', 'Notes:');
		for (const note of report.notes) lines.push(`- ${note}`);
	}
	return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- main

/** Runs one phase; an exception fails the phase (recorded) and the suite goes on with the next one. */
async function guarded(checks: Checks, name: string, body: () => Promise<void>): Promise<void> {
	try {
		await body();
	} catch (error) {
		checks.fail(name, 'the phase ran to the end', error);
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	}
}

const STRICT_MEMORY = process.env.QUEUE_STRICT_MEMORY === '1';
/** Cold rounds per variant in phase 0. */
const COLD_ROUNDS = Number(process.env.QUEUE_COLD_ROUNDS ?? 5);

interface ColdRound {
	variant: 'without wait' | 'with wait';
	round: number;
	tokenRequests: number;
	succeeded: number;
	executions: number;
	perWorker: Record<string, number>;
	seconds: number;
}

async function main(): Promise<void> {
	const started = Date.now();
	const checks = new Checks();
	const timings: Record<string, number> = {};
	const notes: string[] = [];
	const knownLimitations: string[] = [];
	const phases: PhaseResult[] = [];
	const workDir = mkdtempSync(path.join(os.tmpdir(), 'order-status-queue-'));
	mkdirSync(RESULTS_DIR, { recursive: true });
	let world: World | undefined;
	const report: Partial<Report> = {};

	try {
		heading('PostgreSQL and Redis (Debian packages)');
		let phase = Date.now();
		const apt = await ensureServerPackages(path.join(workDir, 'apt.log'));
		timings.aptInstall = apt.seconds;

		heading(`n8n ${N8N_VERSION} (the end-to-end suite's install, test/e2e/install.ts)`);
		phase = Date.now();
		const install = await ensureN8n(N8N_VERSION);
		timings.n8nInstall = install.reused ? 0 : seconds(phase);

		heading('Build and pack');
		phase = Date.now();
		const tarball = await buildAndPack(workDir);
		const baselineTarball = await packWithoutColdTokenWait(workDir);
		timings.buildAndPack = seconds(phase);
		info(`${path.basename(tarball)} (${formatSeconds(timings.buildAndPack)})`);

		heading('Services, simulators, user folders');
		phase = Date.now();
		const pg = await startPostgres(KEEP);
		const redis: OwnedService = await startRedis(KEEP);
		const sims = createDemoSimulators();
		const triggerSim = new AltcraftSimulator({ token: DEMO_CREDENTIALS.altcraft.apiToken });
		for (const [orderId, status] of TRIGGER_ORDERS) triggerSim.addOrder({ external_id: orderId, status, endpoint: 'website' });
		const dtSim = new AltcraftSimulator({ token: DEMO_CREDENTIALS.altcraft.apiToken });
		for (const [orderId, status] of DT_ORDERS) dtSim.addOrder({ external_id: orderId, status, endpoint: 'website' });
		const urls = {
			altcraft: await sims.altcraft.start(0),
			ppl: await sims.ppl.start(0),
			pitneyBowes: await sims.pitneyBowes.start(0),
			sender: await sims.sender.start(0),
			trigger: await triggerSim.start(0),
			dataTable: await dtSim.start(0),
		};
		world = { sims, triggerSim, dtSim, urls };
		const w = world;
		info(`simulators: ${Object.entries(urls).map(([name, url]) => `${name} ${url}`).join(', ')}`);

		const mainPort = await freePort();
		const mainUrl = `http://127.0.0.1:${mainPort}`;
		const sharedEnv = {
			EXECUTIONS_MODE: 'queue',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(pg.port),
			DB_POSTGRESDB_DATABASE: pg.database,
			DB_POSTGRESDB_USER: pg.user,
			DB_POSTGRESDB_PASSWORD: '',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			...BULL_SETTINGS,
			WEBHOOK_URL: `${mainUrl}/`,
			// Data Tables are a default module of n8n 2.40.7 (and 1.123.81); named here so that the suite does not depend
			// on that default. The public API (on by default) serves them to the memory's API key.
			N8N_ENABLED_MODULES: 'data-table',
			N8N_PUBLIC_API_DISABLED: 'false',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '15',
			// Debug: the main instance logs its polls ("Poll trigger initiated"), workers the executions they run.
			N8N_LOG_LEVEL: 'debug',
			N8N_LOG_FORMAT: 'text',
			NO_COLOR: '1',
		};
		const instance = async (name: string, http: number, pack = tarball) => {
			const userFolder = path.join(workDir, name);
			mkdirSync(userFolder, { recursive: true });
			await installPack(userFolder, pack);
			return { ...n8nEnv(install, userFolder, { http, broker: await freePort() }), ...sharedEnv };
		};
		const workerServer = { QUEUE_HEALTH_CHECK_ACTIVE: 'true', N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' };
		const mainEnv = await instance('main', mainPort);
		// The workers start with the baseline build (no cold-token wait) for the first measurement, then get this build.
		const workerAEnv = { ...(await instance('worker-a', await freePort(), baselineTarball)), ...workerServer };
		const workerBEnv = { ...(await instance('worker-b', await freePort(), baselineTarball)), ...workerServer };
		timings.services = seconds(phase);
		info(`each instance has its own user folder under ${workDir}, with the pack installed from the tarball into its .n8n/nodes (the workers with the baseline build first)`);

		heading('Import credentials and workflows (n8n CLI; the first call creates the schema in Postgres)');
		phase = Date.now();
		const credentials: ImportableCredential[] = [
			...demoCredentials(urls),
			{ ...TRIGGER_CREDENTIAL, type: 'altcraftApi', data: { baseUrl: urls.trigger, apiToken: DEMO_CREDENTIALS.altcraft.apiToken } },
			{ ...DT_CREDENTIAL, type: 'altcraftApi', data: { baseUrl: urls.dataTable, apiToken: DEMO_CREDENTIALS.altcraft.apiToken } },
			// An API key exists only once the owner does: a placeholder now, the real key in the Data Table phase.
			{ ...DT_MEMORY_CREDENTIAL, type: 'orderStatusMemoryApi', data: { baseUrl: mainUrl, apiKey: 'not-yet-created' } },
		];
		const credentialsFile = path.join(workDir, 'credentials.json');
		writeFileSync(credentialsFile, JSON.stringify(credentials, null, 2));
		const importedCredentials = await runN8n(install, mainEnv, ['import:credentials', `--input=${credentialsFile}`], 300_000);
		if (!checks.check('setup', 'n8n import:credentials', importedCredentials.code === 0, `${importedCredentials.stderr}${importedCredentials.stdout}`.slice(-1500))) {
			throw new Error('n8n import:credentials failed');
		}
		const workflows = [
			...PROVIDERS.map((provider, index) => actionWorkflow(PROVIDER_SPECS[provider], index + 1)),
			altcraftTriggerWorkflow(),
			senderTriggerWorkflow(),
			dataTableWorkflow(true),
			dataTableWorkflow(false),
			primerWorkflow(),
		];
		const workflowsFile = path.join(workDir, 'workflows.json');
		writeFileSync(workflowsFile, JSON.stringify(workflows, null, 2));
		const importedWorkflows = await runN8n(install, mainEnv, ['import:workflow', `--input=${workflowsFile}`], 300_000);
		if (!checks.check('setup', 'n8n import:workflow', importedWorkflows.code === 0, `${importedWorkflows.stderr}${importedWorkflows.stdout}`.slice(-1500))) {
			throw new Error('n8n import:workflow failed');
		}
		timings.imports = seconds(phase);

		heading('n8n main (EXECUTIONS_MODE=queue) and two workers');
		phase = Date.now();
		const main_ = spawnN8n(install, 'main', 'start', mainEnv, path.join(workDir, 'main.log'));
		await waitForMain(main_, mainUrl);
		timings.mainStart = seconds(phase);
		info(`main up on ${mainUrl} after ${formatSeconds(timings.mainStart)} (pid ${main_.child.pid})`);
		phase = Date.now();
		const startWorker = async (name: string, env: NodeJS.ProcessEnv, logName: string) => {
			const healthPort = await freePort();
			return spawnN8n(install, name, 'worker', { ...env, QUEUE_HEALTH_CHECK_PORT: String(healthPort) }, path.join(workDir, logName), healthPort);
		};
		let workerA = await startWorker('worker-a', workerAEnv, 'worker-a.log');
		let workerB = await startWorker('worker-b', workerBEnv, 'worker-b.log');
		await Promise.all([waitForWorker(workerA), waitForWorker(workerB)]);
		timings.workersStart = seconds(phase);
		info(`workers ready after ${formatSeconds(timings.workersStart)} (pids ${workerA.child.pid}, ${workerB.child.pid})`);

		const ctx: Context = {
			install,
			pg,
			world,
			mainUrl,
			checks,
			workers: [workerA, workerB],
			workerLogs: new Map([
				['worker-a', workerA.logFile],
				['worker-b', workerB.logFile],
			]),
		};

		heading('Owner, sign-in, activation through the REST API');
		phase = Date.now();
		const owner = { email: 'owner@order-status.example', firstName: 'Queue', lastName: 'Owner', password: 'Queue-Owner-Passw0rd' };
		const setup = await new RestClient(mainUrl).post('/rest/owner/setup', owner);
		checks.check('setup', 'POST /rest/owner/setup', setup.status === 200, `HTTP ${setup.status} ${setup.text.slice(0, 200)}`);
		const rest = new RestClient(mainUrl);
		const login = await rest.post('/rest/login', { emailOrLdapLoginId: owner.email, email: owner.email, password: owner.password });
		checks.check('setup', 'POST /rest/login', login.status === 200 && rest.signedIn, `HTTP ${login.status}`);
		const triggerWatch = new TriggerWatch(triggerSim);
		const activate = async (id: string) => {
			const got = await rest.get<Json>(`/rest/workflows/${id}`);
			const activated = await rest.post<Json>(`/rest/workflows/${id}/activate`, { versionId: got.data?.versionId });
			checks.check('setup', `POST /rest/workflows/${id}/activate`, activated.status === 200, `HTTP ${activated.status} ${activated.text.slice(0, 300)}`);
		};
		// The scheduled Data Table workflow is activated in its own phase: its ticks would run through every other one.
		for (const workflow of workflows) if (workflow.id !== DT_WORKFLOW_ID) await activate(String(workflow.id));
		// n8n 2.x publishes an activation asynchronously (a publication outbox): wait for the webhooks to be stored.
		const webhookWorkflows = [...PROVIDERS.map((provider) => PROVIDER_SPECS[provider].workflowId), SENDER_TRIGGER_WORKFLOW_ID, DT_REFUSED_WORKFLOW_ID, PRIMER_WORKFLOW_ID];
		const webhooks = await waitUntil('the production webhooks to be registered', 60_000, async () => {
			const rows = await pg.json<Array<{ workflowId: string; webhookPath: string; method: string }>>(
				`select coalesce(json_agg(json_build_object('workflowId', "workflowId", 'webhookPath', "webhookPath", 'method', method)), '[]'::json) from webhook_entity`,
			);
			return webhookWorkflows.every((id) => rows.some((row) => row.workflowId === id)) ? rows : undefined;
		}).catch((error: unknown) => {
			checks.fail('setup', 'every production webhook registered', error);
			return [] as Array<{ workflowId: string; webhookPath: string; method: string }>;
		});
		for (const provider of PROVIDERS) {
			const spec = PROVIDER_SPECS[provider];
			checks.check('setup', `production webhook POST /webhook/${spec.webhookPath} registered`, webhooks.some((hook) => hook.workflowId === spec.workflowId && hook.webhookPath === spec.webhookPath));
		}
		const senderHook = webhooks.find((hook) => hook.workflowId === SENDER_TRIGGER_WORKFLOW_ID);
		checks.check('setup', 'Sender Trigger production webhook registered', Boolean(senderHook));
		// The activation poll (on the main instance) only records the orders it finds.
		await waitUntil('the Altcraft Market Trigger activation poll', 90_000, () => (triggerWatch.polls >= 1 ? true : undefined));
		timings.activation = seconds(phase);
		info(`workflows active; the trigger's activation poll recorded its ${TRIGGER_ORDERS.length} orders`);
		triggerWatch.change('1 (before the bursts)', [
			['TRG-1', 'paid'],
			['TRG-2', 'delivered'],
		]);

		const tokens = { cold: { ppl: 0, pitneyBowes: 0 }, warm: { ppl: 0, pitneyBowes: 0 }, expired: { ppl: 0, pitneyBowes: 0 } };
		const remembered: Record<string, { checked: number; remembered: number }> = {};
		const burstPhase = async (label: string, title: string, providers: Provider[], group: string, runsPerProvider = RUNS_PER_PROVIDER): Promise<{ ppl: number; pitneyBowes: number }> => {
			const phaseStarted = Date.now();
			const before = tokenRequests(w);
			const outcomes = await runAll(ctx, planBurst(w, label, providers, runsPerProvider));
			const used = diffTokens(tokenRequests(w), before);
			checkOutcomes(ctx, group, outcomes);
			const result = summarise(title, outcomes, used, phaseStarted);
			phases.push(result);
			info(`${result.ok}/${result.executions} as expected in ${formatSeconds(result.seconds)}; per worker ${JSON.stringify(result.perWorker)}; token requests PPL ${used.ppl}, Pitney Bowes ${used.pitneyBowes}`);
			for (const worker of ['worker-a', 'worker-b']) {
				checks.check('workers', `${worker} ran pack nodes in "${title}"`, (result.perWorker[worker] ?? 0) > 0, JSON.stringify(result.perWorker));
			}
			if (label === 'c') {
				for (const provider of providers) {
					const spec = PROVIDER_SPECS[provider];
					const stored = await readStaticData(pg, spec.workflowId);
					const keys = outcomes.filter((outcome) => outcome.planned.provider === provider).flatMap((outcome) => outcome.planned.expected.map((want) => `${spec.itemProvider}:${want.orderId}`));
					remembered[provider] = { checked: keys.length, remembered: keys.filter((key) => stored.keys.has(key)).length };
				}
				info(`orders the change memory holds after the burst (remembered / checked): ${JSON.stringify(remembered)}`);
			}
			return used;
		};

		// ------------------------------------------------------------ phase 0: cold token bursts, with and without the wait
		const pplCredential = credentials.find((credential) => credential.id === PROVIDER_SPECS.ppl.credential.id)!;
		/** Empties the PPL credential's cached token (the hidden fields), as before the first use of a credential. */
		const clearPplToken = async () => {
			const patched = await rest.request('PATCH', `/rest/credentials/${pplCredential.id}`, {
				name: pplCredential.name,
				type: pplCredential.type,
				data: { ...pplCredential.data, accessToken: '', tokenFor: '' },
			});
			if (patched.status !== 200) throw new Error(`PATCH /rest/credentials/${pplCredential.id}: HTTP ${patched.status} ${patched.text.slice(0, 200)}`);
			const stored = await rest.get<Json>(`/rest/credentials/${pplCredential.id}?includeData=true`);
			const token = (stored.data?.data as Json | undefined)?.accessToken;
			if (token !== undefined && token !== '' && token !== CREDENTIAL_EMPTY_VALUE) throw new Error(`the PPL credential still caches a token (${String(token).slice(0, 12)}…)`);
		};
		const coldRounds: ColdRound[] = [];
		await guarded(checks, 'phase 0', async () => {
			heading(`Phase 0: cold token bursts, ${COLD_ROUNDS} rounds of ${RUNS_PER_PROVIDER} concurrent PPL executions without and with the cold-token wait`);
			const phaseStarted = Date.now();
			const coldRound = async (variant: ColdRound['variant'], round: number) => {
				await clearPplToken();
				sims.ppl.resetTokenLimit();
				const before = tokenRequests(w).ppl;
				const started = Date.now();
				const outcomes = await runAll(ctx, planBurst(w, `${variant === 'without wait' ? 'cb' : 'cw'}${round}`, ['ppl'], RUNS_PER_PROVIDER));
				const result: ColdRound = {
					variant,
					round,
					tokenRequests: tokenRequests(w).ppl - before,
					succeeded: outcomes.filter((outcome) => outcome.status === 'success').length,
					executions: outcomes.length,
					perWorker: summarise('', outcomes, { ppl: 0, pitneyBowes: 0 }, started).perWorker,
					seconds: seconds(started),
				};
				coldRounds.push(result);
				info(`${variant}, round ${round}: ${result.tokenRequests} PPL token requests, ${result.succeeded}/${result.executions} executions succeeded, per worker ${JSON.stringify(result.perWorker)}, ${formatSeconds(result.seconds)}`);
			};
			const waits = () => ['worker-a', 'worker-b'].map((name) => installedColdTokenWait(path.join(workDir, name)));
			checks.check('cold tokens', 'the workers run the baseline build (no cold-token wait)', waits().every((wait) => wait === 0), JSON.stringify(waits()));
			for (let round = 1; round <= COLD_ROUNDS; round++) await coldRound('without wait', round);
			// This build on both workers: stop them, install it over the baseline, start them again.
			const switchStarted = Date.now();
			await Promise.all([stopN8n(workerA), stopN8n(workerB)]);
			await installPack(path.join(workDir, 'worker-a'), tarball);
			await installPack(path.join(workDir, 'worker-b'), tarball);
			workerA = await startWorker('worker-a', workerAEnv, 'worker-a.log');
			workerB = await startWorker('worker-b', workerBEnv, 'worker-b.log');
			await Promise.all([waitForWorker(workerA), waitForWorker(workerB)]);
			ctx.workers = [workerA, workerB];
			checks.check('cold tokens', 'the workers run this build (cold-token wait 2000 ms)', waits().every((wait) => wait === 2000), JSON.stringify(waits()));
			info(`both workers run this build now (restarted in ${formatSeconds(seconds(switchStarted))})`);
			for (let round = 1; round <= COLD_ROUNDS; round++) await coldRound('with wait', round);
			const total = (variant: ColdRound['variant']) => coldRounds.filter((entry) => entry.variant === variant).reduce((sum, entry) => sum + entry.tokenRequests, 0);
			checks.check(
				'cold tokens',
				'with the wait, every execution of every cold round succeeded',
				coldRounds.filter((entry) => entry.variant === 'with wait').every((entry) => entry.succeeded === entry.executions),
				JSON.stringify(coldRounds.filter((entry) => entry.variant === 'with wait')),
			);
			checks.check(
				'cold tokens',
				'the wait lowered the token requests of the cold rounds',
				total('with wait') < total('without wait'),
				`without ${total('without wait')}, with ${total('with wait')}`,
			);
			phases.push({
				name: '0 cold token bursts (PPL)',
				executions: coldRounds.reduce((sum, entry) => sum + entry.executions, 0),
				ok: coldRounds.reduce((sum, entry) => sum + entry.succeeded, 0),
				perWorker: coldRounds.reduce<Record<string, number>>((acc, entry) => {
					for (const [worker, count] of Object.entries(entry.perWorker)) acc[worker] = (acc[worker] ?? 0) + count;
					return acc;
				}, {}),
				tokenRequests: { ppl: total('without wait') + total('with wait'), pitneyBowes: 0 },
				seconds: seconds(phaseStarted),
			});
		});
		// Phase 1 starts cold again: no PPL token cached (Pitney Bowes has never fetched one).
		await clearPplToken().catch((error: unknown) => checks.fail('phase 1', 'the PPL token is cleared before the cold burst', error));
		sims.ppl.resetTokenLimit();

		await guarded(checks, 'phase 1', async () => {
			heading(`Phase 1: ${RUNS_PER_PROVIDER * PROVIDERS.length} concurrent webhook executions over the four provider nodes; no token cached yet`);
			tokens.cold = await burstPhase('c', '1 cold burst', PROVIDERS, 'phase 1 cold burst');
		});

		// ------------------------------------------------------------ phase 2: the change memory between executions
		const memory: Json = {};
		await guarded(checks, 'phase 2', async () => {
			heading('Phase 2: Only Output Changes between executions (three runs one after another per provider)');
			const phaseStarted = Date.now();
			const outcomes: Array<{ outcome: RunOutcome; alternative: PlannedRun }> = [];
			await Promise.all(
				PROVIDERS.map(async (provider) => {
					const spec = PROVIDER_SPECS[provider];
					const orders = [0, 1, 2].map((order) => ({ orderId: spec.orderId(`M-${order + 1}`), raw: spec.statuses[order % spec.statuses.length].raw }));
					for (const order of orders) seedOrder(w, provider, order.orderId, order.raw);
					let previous: Record<string, string | null> = Object.fromEntries(orders.map((order) => [order.orderId, null]));
					for (const round of [1, 2, 3]) {
						if (round === 2) {
							orders[0].raw = spec.next[orders[0].raw];
							changeOrder(w, provider, orders[0].orderId, orders[0].raw);
						}
						const tag = `m-${provider}-${round}`;
						// What a memory carried from the previous run gives, and what a memory that starts empty gives.
						const carried = orders.map((order) => {
							const status = normalisedOf(provider, order.raw);
							return { orderId: order.orderId, raw: order.raw, status, changed: previous[order.orderId] !== status, previousStatus: previous[order.orderId] };
						});
						const empty = carried.map((want) => ({ ...want, changed: true, previousStatus: null }));
						const [outcome] = await runAll(ctx, [{ provider, tag, expected: carried }]);
						outcomes.push({ outcome, alternative: { provider, tag, expected: empty } });
						previous = Object.fromEntries(carried.map((want) => [want.orderId, want.status]));
					}
				}),
			);
			const later = outcomes.filter(({ outcome }) => !outcome.planned.tag.endsWith('-1'));
			const carriedRuns = outcomes.filter(({ outcome }) => outcome.problems.length === 0).length;
			const emptyRuns = outcomes.filter(({ outcome, alternative }) => outcome.row && judge(ctx, alternative, outcome.row, outcome.workers).problems.length === 0).length;
			const crossWorker = PROVIDERS.filter((provider) => new Set(outcomes.filter(({ outcome }) => outcome.planned.provider === provider).flatMap(({ outcome }) => outcome.workers)).size > 1);
			const memoryCarried = later.every(({ outcome }) => outcome.problems.length === 0);
			const memoryEmpty = !memoryCarried && later.every(({ outcome, alternative }) => outcome.row && judge(ctx, alternative, outcome.row, outcome.workers).problems.length === 0);
			Object.assign(memory, {
				runs: outcomes.length,
				rightForACarriedMemory: carriedRuns,
				rightForAnEmptyMemory: emptyRuns,
				carriedBetweenExecutions: memoryCarried,
				providersThatUsedBothWorkers: crossWorker.length,
			});
			info(`runs matching a carried memory ${carriedRuns}/${outcomes.length}, matching an empty memory ${emptyRuns}/${outcomes.length}; providers whose runs used both workers: ${crossWorker.join(', ') || 'none'}`);
			if (memoryCarried) {
				checkOutcomes(ctx, 'phase 2 memory', outcomes.map(({ outcome }) => outcome));
			} else if (memoryEmpty && !STRICT_MEMORY) {
				// Every run is right for a memory that starts empty: the pack works, n8n does not hand it the memory.
				for (const { outcome, alternative } of outcomes) {
					const judged = judge(ctx, alternative, outcome.row!, outcome.workers);
					checks.check('phase 2 memory', `${outcome.planned.tag} (execution ${outcome.executionId}): right results for the memory n8n gave it`, judged.problems.length === 0, judged.problems.join('; '));
				}
				knownLimitations.push(
					`Only Output Changes with Memory: Workflow Static Data does not remember between executions in queue mode (n8n ${N8N_VERSION}): each of the ${outcomes.length} sequential runs ` +
						'saw an empty memory. n8n stores an execution\'s workflow snapshot without its static data and a worker loads static data from the ' +
						'database only when it resumes an existing execution (WorkflowRunner: loadStaticData = existingExecution && loadStaticData; ' +
						'toWorkflowSnapshot keeps id, name, nodes, connections, settings), so every new execution starts with {} and, at its end, saves its ' +
						'own memory over the workflow\'s. The polling triggers are not affected: they keep their state on the main instance. Memory: Data Table is ' +
						'the memory for queue mode (phase 5b).',
				);
			} else {
				checkOutcomes(ctx, 'phase 2 memory', outcomes.map(({ outcome }) => outcome));
			}
			phases.push(summarise('2 change memory, sequential', outcomes.map(({ outcome }) => ({ ...outcome, problems: [] })), { ppl: 0, pitneyBowes: 0 }, phaseStarted));
		});

		await guarded(checks, 'phase 3', async () => {
			heading(`Phase 3: ${RUNS_PER_PROVIDER * PROVIDERS.length} concurrent executions with the tokens cached in the credentials`);
			tokens.warm = await burstPhase('w', '3 warm burst', PROVIDERS, 'phase 3 warm burst');
			checks.check('tokens', 'warm burst: no token request (both workers use the token cached in the credential)', tokens.warm.ppl === 0 && tokens.warm.pitneyBowes === 0, JSON.stringify(tokens.warm));
		});

		await guarded(checks, 'phase 4', async () => {
			heading(`Phase 4: the providers expire every token, then ${EXPIRY_RUNS_PER_PROVIDER * 2} concurrent executions on PPL and Pitney Bowes`);
			// A token lives 30 minutes at PPL: its 12-per-minute token limit is long clear when one expires.
			sims.ppl.resetTokenLimit();
			sims.ppl.expireTokens();
			sims.pitneyBowes.expireTokens();
			tokens.expired = await burstPhase('x', '4 burst after token expiry', ['ppl', 'pitneyBowes'], 'phase 4 expired tokens', EXPIRY_RUNS_PER_PROVIDER);
		});

		// ------------------------------------------------------------ phase 5: Sender callbacks
		const senderResult: Json = {};
		await guarded(checks, 'phase 5', async () => {
			heading("Phase 5: Sender calls back to the Sender Trigger's production URL");
			const phaseStarted = Date.now();
			if (!senderHook) throw new Error('the Sender Trigger has no production webhook');
			const callbackUrl = `${mainUrl}/webhook/${senderHook.webhookPath}`;
			const before = await maxExecutionId(pg);
			const getsBefore = sims.sender.count(SENDER_ROUTES.getOrder);
			const headers = { 'X-Sender-Secret': SENDER_CALLBACK_SECRET };
			sims.sender.addOrder({ reference: 'SND-CB-1', status: 'pending', callbackUrl, callbackHeaders: headers });
			sims.sender.addOrder({ reference: 'SND-CB-2', status: 'pending', callbackUrl, callbackHeaders: headers });
			sims.sender.accept('SND-CB-1', {});
			sims.sender.cancel('SND-CB-2', { message: 'Parcel locker is full' });
			const forged = await sims.sender.sendCallback('SND-CB-1', { url: callbackUrl, headers: { 'X-Sender-Secret': 'not-the-secret' } }, { order_reference: 'SND-CB-1', status: 'delivered' });
			await waitUntil('both Sender callbacks to be answered', 60_000, () => (sims.sender.callbacks.filter((record) => !record.manual && record.finishedAt !== undefined).length >= 2 ? true : undefined));
			const delivered = sims.sender.callbacks.filter((record) => !record.manual);
			checks.check('sender', 'both callbacks answered 200', delivered.every((record) => record.httpStatus === 200), delivered.map((record) => `${record.reference} HTTP ${record.httpStatus ?? record.error}`).join(', '));
			checks.check('sender', 'a callback without the shared secret is refused with 401', forged.httpStatus === 401, `HTTP ${forged.httpStatus ?? forged.error}`);
			const rows = await waitUntil('two Sender Trigger executions', 90_000, async () => {
				const found = await executionRows(pg, `e.id > ${before} and e."workflowId" = '${SENDER_TRIGGER_WORKFLOW_ID}'`);
				return found.length >= 2 && found.every((row) => TERMINAL.has(row.status)) ? found : undefined;
			}, 1000);
			await sleep(2000);
			const workers = attribute(ctx);
			const emitted = (await executionRows(pg, `e.id > ${before} and e."workflowId" = '${SENDER_TRIGGER_WORKFLOW_ID}'`)).map((row) => ({
				id: row.id,
				status: row.status,
				workers: workers.get(row.id) ?? [],
				item: nodeOutputs(parseExecutionData(install, row.data), SENDER_TRIGGER_NODE)?.[0]?.json ?? {},
			}));
			checks.check('sender', 'exactly two executions (the refused callback started none)', emitted.length === 2 && rows.length === 2, `${emitted.length}`);
			for (const [reference, status] of [['SND-CB-1', 'accepted'], ['SND-CB-2', 'cancelled']]) {
				const found = emitted.filter((entry) => entry.item.orderId === reference);
				checks.check(
					'sender',
					`${reference} → ${status}, verified with the API, run by a worker`,
					found.length === 1 && found[0].status === 'success' && found[0].item.status === status && (found[0].item.details as Json | undefined)?.verified === true && found[0].workers.length === 1,
					JSON.stringify(found.map((entry) => ({ id: entry.id, status: entry.status, workers: entry.workers, orderId: entry.item.orderId, itemStatus: entry.item.status }))),
				);
			}
			const refetches = sims.sender.count(SENDER_ROUTES.getOrder) - getsBefore;
			checks.check('sender', 'the trigger re-fetched each callback\'s order from the Sender API once (on the main instance)', refetches === 2, `${refetches} GET /orders/:reference`);
			Object.assign(senderResult, {
				callbacksAnswered: delivered.map((record) => record.httpStatus).join('/'),
				refusedCallbackAnswer: forged.httpStatus,
				executions: emitted.length,
				refetches,
				workers: emitted.map((entry) => entry.workers.join('+')).join(', '),
			});
			phases.push({
				name: '5 Sender callbacks',
				executions: emitted.length,
				ok: emitted.filter((entry) => entry.status === 'success').length,
				perWorker: emitted.reduce<Record<string, number>>((acc, entry) => {
					for (const worker of entry.workers) acc[worker] = (acc[worker] ?? 0) + 1;
					return acc;
				}, {}),
				tokenRequests: { ppl: 0, pitneyBowes: 0 },
				seconds: seconds(phaseStarted),
			});
		});

		// ------------------------------------------------------------ phase 5b: Only Output Changes on the Data Table memory
		const dataTableResult: Json = {};
		await guarded(checks, 'phase 5b', async () => {
			heading(`Phase 5b: Only Output Changes with its memory in a Data Table: an active workflow, a Schedule Trigger every ${DT_TICK_SECONDS} s`);
			const phaseStarted = Date.now();
			const group = 'data table memory';
			const dtSim = w.dtSim;

			// The memory's API key (n8n lets only its own nodes use Data Tables directly) and its credential.
			const scopes = await rest.get<string[]>('/rest/api-keys/scopes');
			const tableScopes = (Array.isArray(scopes.data) ? scopes.data : []).filter((scope) => scope.startsWith('dataTable'));
			const created = await rest.post<Json>('/rest/api-keys', { label: 'Queue suite: order status memory', scopes: tableScopes, expiresAt: null });
			const apiKey = String(created.data?.rawApiKey ?? '');
			checks.check(group, `an API key with the Data Table scopes (${tableScopes.join(', ')})`, created.status === 200 && apiKey !== '', `HTTP ${created.status} ${created.text.slice(0, 200)}`);
			const memoryData = { baseUrl: mainUrl, apiKey };
			const patched = await rest.request('PATCH', `/rest/credentials/${DT_MEMORY_CREDENTIAL.id}`, { name: DT_MEMORY_CREDENTIAL.name, type: 'orderStatusMemoryApi', data: memoryData });
			checks.check(group, 'the memory credential holds the key', patched.status === 200, `HTTP ${patched.status} ${patched.text.slice(0, 200)}`);
			// The final state check compares every credential with what it should hold.
			const memoryCredential = credentials.find((credential) => credential.id === DT_MEMORY_CREDENTIAL.id);
			if (memoryCredential) memoryCredential.data = memoryData;
			const stored = await rest.get<Json>(`/rest/credentials/${DT_MEMORY_CREDENTIAL.id}?includeData=true`);
			const tested = await rest.post<{ status?: string; message?: string }>('/rest/credentials/test', {
				credentials: { id: DT_MEMORY_CREDENTIAL.id, name: DT_MEMORY_CREDENTIAL.name, type: 'orderStatusMemoryApi', data: stored.data?.data ?? {} },
			});
			checks.check(group, '"Test credential" of the memory credential passes (GET /api/v1/data-tables)', tested.data?.status === 'OK', `HTTP ${tested.status} ${tested.text.slice(0, 300)}`);

			// Without the API credential, n8n's own rule applies: the node must say so, not report every order as changed.
			const refusedBefore = await maxExecutionId(pg);
			const refusedAnswer = await postWebhook(ctx, DT_REFUSED_WEBHOOK_PATH, {});
			const refusedRow = await waitUntil('the execution without an API key', 60_000, async () => {
				const found = await executionRows(pg, `e.id > ${refusedBefore} and e."workflowId" = '${DT_REFUSED_WORKFLOW_ID}'`);
				return found.length > 0 && TERMINAL.has(found[0].status) ? found[0] : undefined;
			}, 1000);
			const refusedData = parseExecutionData(install, refusedRow.data);
			const refusal = String(refusedData.resultData?.error?.message ?? '');
			const refusalRuns = refusedData.resultData?.runData?.[DT_NODE] ?? [];
			const refusedEmitted = (nodeOutputs(refusedData, DT_NODE) ?? []).length;
			checks.check(
				group,
				'without an API credential the node fails with n8n\'s refusal in its message, emitting nothing',
				refusedRow.status === 'error' && /does not let this node use Data Tables directly/.test(refusal) && /only available for Data table nodes/.test(refusal) && refusedEmitted === 0,
				`status ${refusedRow.status}, HTTP ${refusedAnswer}, ${refusedEmitted} items, "${refusal}"`,
			);
			Object.assign(dataTableResult, { withoutApiKey: { httpStatus: refusedAnswer, executionStatus: refusedRow.status, message: refusal, nodeRan: refusalRuns.length > 0 } });

			// Ticks of the active workflow; the orders change in the simulator between ticks.
			interface DtTransition {
				orderId: string;
				from: string | null;
				to: string;
				madeAfter: string;
			}
			const raw = new Map(DT_ORDERS);
			const planned: DtTransition[] = DT_ORDERS.map(([orderId, status]) => ({ orderId, from: null, to: normalisedOf('altcraft', status), madeAfter: 'activation' }));
			const change = (label: string, changes: Array<[string, string]>) => {
				for (const [orderId, status] of changes) {
					planned.push({ orderId, from: normalisedOf('altcraft', raw.get(orderId)!), to: normalisedOf('altcraft', status), madeAfter: label });
					raw.set(orderId, status);
					dtSim.setStatus(orderId, status);
				}
			};
			const changesAfterTick: Array<Array<[string, string]>> = [
				[
					['DT-1', 'paid'],
					['DT-2', 'delivered'],
				],
				[],
				[
					['DT-3', 'canceled'],
					['DT-1', 'delivered'],
				],
				[['DT-4', 'part_refunded']],
			];
			const dtRows = async (where: string) =>
				await pg.json<Array<ExecutionRow & { startedAt: number | null; stoppedAt: number | null }>>(
					`select coalesce(json_agg(row_to_json(x) order by x.id), '[]'::json) from (` +
						`select e.id, e."workflowId", e.status, e.mode, e.finished, d.data, ` +
						`(extract(epoch from e."startedAt") * 1000)::bigint as "startedAt", (extract(epoch from e."stoppedAt") * 1000)::bigint as "stoppedAt" ` +
						`from execution_entity e left join execution_data d on d."executionId" = e.id where e."workflowId" = '${DT_WORKFLOW_ID}' and ${where}) x`,
				);
			const emittedBy = (row: ExecutionRow) => {
				const items = nodeOutputs(parseExecutionData(install, row.data), DT_NODE) ?? [];
				const read = (item: { output: number; json: Json }) => ({ orderId: String(item.json.orderId), from: (item.json.previousStatus as string | null) ?? null, to: String(item.json.status), output: item.output });
				const unchangedItems = items.filter((item) => item.output === UNCHANGED_OUTPUT).map(read);
				return { changed: items.filter((item) => item.output !== UNCHANGED_OUTPUT).map(read), unchanged: unchangedItems.length, unchangedItems };
			};
			const ticks: Json[] = [];
			/** Whether three consecutive ticks ran on both workers. */
			const spreadOverBoth = (workers: string[]) => workers.some((_, index) => index + 2 < workers.length && new Set(workers.slice(index, index + 3)).size >= 2);
			let lastId = await maxExecutionId(pg);
			await activate(DT_WORKFLOW_ID);
			const activatedAt = Date.now();
			const tickWorkers: string[] = [];
			for (let tick = 1; tick <= 12; tick++) {
				// Which worker takes a tick is Bull's choice; with one job every 10 s and nothing else to do, one run of this
				// suite saw all 12 ticks on worker-a. Before every second tick an unrelated short execution (Webhook → No Op)
				// is sent 0.7 s ahead to shift the workers' turns; it does not decide where the tick goes (results/latest.json
				// says per tick whether it was primed and which worker ran it). The loop runs until three consecutive ticks
				// ran on both workers, 12 ticks at most.
				let primed = false;
				if (tick % 2 === 0) {
					const period = DT_TICK_SECONDS * 1000;
					const nextTick = Math.ceil((Date.now() + 1500) / period) * period;
					await sleep(Math.max(0, nextTick - 700 - Date.now()));
					primed = (await postWebhook(ctx, PRIMER_WEBHOOK_PATH, {})) === 200;
				}
				const row = await waitUntil(`tick ${tick} of the Schedule Trigger`, (DT_TICK_SECONDS + 90) * 1000, async () => {
					const [next] = await dtRows(`e.id > ${lastId} and e.mode = 'trigger'`);
					return next && TERMINAL.has(next.status) ? next : undefined;
				}, 500);
				lastId = row.id;
				await sleep(300);
				const workers = attribute(ctx).get(row.id) ?? [];
				tickWorkers.push(workers.join('+') || 'no worker log');
				const { changed, unchanged } = emittedBy(row);
				const expected = planned.filter((transition) => transition.madeAfter === (tick === 1 ? 'activation' : `tick ${tick - 1}`));
				ticks.push({
					tick,
					primed,
					execution: row.id,
					worker: workers.join('+') || 'no worker log',
					status: row.status,
					emitted: changed.map((item) => `${item.orderId} ${item.from ?? 'new'} → ${item.to}`),
					expected: expected.map((item) => `${item.orderId} ${item.from ?? 'new'} → ${item.to}`),
					unchanged,
					seconds: row.startedAt && row.stoppedAt ? (row.stoppedAt - row.startedAt) / 1000 : null,
				});
				info(`tick ${tick}: execution ${row.id} on ${workers.join('+') || '?'}, ${row.status}, emitted [${changed.map((item) => `${item.orderId} ${item.from ?? 'new'}→${item.to}`).join(', ')}], ${unchanged} unchanged`);
				if (tick >= changesAfterTick.length + 1 && spreadOverBoth(tickWorkers)) break;
				change(`tick ${tick}`, tick <= changesAfterTick.length ? changesAfterTick[tick - 1] : [['DT-5', raw.get('DT-5') === 'new' ? 'paid' : 'new']]);
			}

			// Two executions at the same moment that see the same changes (webhook, same workflow, same node).
			change('tick overlap', [
				['DT-6', 'paid'],
				['DT-2', 'part_refunded'],
			]);
			dtSim.latencyMs = 1500;
			const overlapBefore = lastId;
			const answers = await Promise.all([postWebhook(ctx, DT_WEBHOOK_PATH, {}), postWebhook(ctx, DT_WEBHOOK_PATH, {})]);
			const overlapRows = await waitUntil('both overlapping executions', 120_000, async () => {
				const found = await dtRows(`e.id > ${overlapBefore} and e.mode = 'webhook'`);
				return found.length >= 2 && found.every((row) => TERMINAL.has(row.status)) ? found : undefined;
			}, 1000);
			dtSim.latencyMs = 0;
			const [first, second] = overlapRows;
			const overlapMs = first.startedAt && first.stoppedAt && second.startedAt && second.stoppedAt ? Math.min(first.stoppedAt, second.stoppedAt) - Math.max(first.startedAt, second.startedAt) : null;
			await sleep(500);
			const overlapWorkers = overlapRows.map((row) => (attribute(ctx).get(row.id) ?? []).join('+') || 'no worker log');
			const overlap = {
				executions: overlapRows.map((row) => row.id),
				workers: overlapWorkers,
				httpStatuses: answers,
				overlapSeconds: overlapMs === null ? null : overlapMs / 1000,
				emitted: overlapRows.map((row) => emittedBy(row).changed.map((item) => `${item.orderId} ${item.from ?? 'new'} → ${item.to}`)),
			};
			info(`overlap: executions ${overlap.executions.join(' and ')} on ${overlapWorkers.join(' and ')}, overlapping ${overlap.overlapSeconds} s, emitted ${JSON.stringify(overlap.emitted)}`);
			checks.check(group, 'the two webhook executions ran at the same time', overlapMs !== null && overlapMs > 0, JSON.stringify(overlap));
			// Each change of the overlap: one of the two reports it, the other finds it recorded (Unchanged, previous = new).
			const sameChange = planned
				.filter((transition) => transition.madeAfter === 'tick overlap')
				.map((transition) => {
					const reports = overlapRows.filter((row) => emittedBy(row).changed.some((item) => item.orderId === transition.orderId && item.to === transition.to));
					const deferred = overlapRows.filter((row) => emittedBy(row).unchangedItems.some((item) => item.orderId === transition.orderId && item.from === transition.to && item.to === transition.to));
					return { transition: `${transition.orderId} ${transition.from} → ${transition.to}`, reportedBy: reports.map((row) => row.id), unchangedFor: deferred.map((row) => row.id) };
				});
			Object.assign(overlap, { sameChange });
			checks.check(
				group,
				'each change of the overlap: one of the two executions reports it, the other sees it unchanged',
				sameChange.every((entry) => entry.reportedBy.length === 1 && entry.unchangedFor.length === 1 && entry.reportedBy[0] !== entry.unchangedFor[0]),
				JSON.stringify(sameChange),
			);

			// Stop the ticks; let any execution still running end.
			const deactivated = await rest.post(`/rest/workflows/${DT_WORKFLOW_ID}/deactivate`, {});
			checks.check(group, 'the scheduled workflow is deactivated at the end of the phase', deactivated.status === 200, `HTTP ${deactivated.status} ${deactivated.text.slice(0, 200)}`);
			await sleep((DT_TICK_SECONDS + 2) * 1000);
			const all = await waitUntil('every execution of the Data Table workflow to end', 120_000, async () => {
				const found = await dtRows('true');
				return found.every((row) => TERMINAL.has(row.status)) ? found : undefined;
			}, 1000);
			const attributed = attribute(ctx);
			const emitted = all.flatMap((row) => emittedBy(row).changed.map((item) => ({ ...item, execution: row.id })));
			// A transition can be made more than once (DT-5 goes back and forth): each time it is made, it is emitted once.
			const transitionKey = (item: { orderId: string; from: string | null; to: string }) => `${item.orderId} ${item.from ?? 'new'} → ${item.to}`;
			for (const key of [...new Set(planned.map(transitionKey))]) {
				const made = planned.filter((transition) => transitionKey(transition) === key);
				const seen = emitted.filter((item) => transitionKey(item) === key);
				checks.check(
					group,
					`${key}: emitted once each time it was made (${made.length}×, after ${made.map((transition) => transition.madeAfter).join(', ')})`,
					seen.length === made.length,
					`emitted ${seen.length} times: executions ${seen.map((item) => item.execution).join(', ')}`,
				);
			}
			const unexpected = emitted.filter((item) => !planned.some((transition) => transition.orderId === item.orderId && transition.from === item.from && transition.to === item.to));
			checks.check(group, 'nothing else emitted: unchanged orders only ever on the Unchanged output', unexpected.length === 0, JSON.stringify(unexpected));
			checks.check(group, 'every execution of the workflow succeeded on one worker', all.every((row) => row.status === 'success' && (attributed.get(row.id) ?? []).length === 1), all.map((row) => `${row.id} ${row.mode} ${row.status} ${(attributed.get(row.id) ?? []).join('+')}`).join(', '));
			checks.check(group, 'three consecutive ticks ran on both workers', spreadOverBoth(tickWorkers), tickWorkers.join(', '));

			// What the table holds: one row per order, its last status, when it was seen and since when it has it.
			// Read from n8n's database itself (a Data Table is a table `data_table_user_<id>`).
			const tableIds = await pg.json<string[]>(`select coalesce(json_agg(id), '[]'::json) from data_table where name = '${DT_TABLE.replace(/'/g, "''")}'`);
			const rows =
				tableIds.length === 1
					? await pg.json<Json[]>(
							`select coalesce(json_agg(json_build_object('orderId', "orderId", 'status', status, 'scope', scope, 'statusSince', to_char("statusSince" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'seenAt', to_char("seenAt" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) order by id), '[]'::json) from "data_table_user_${tableIds[0]}"`,
						)
					: [];
			const wantRows = DT_ORDERS.map(([orderId]) => [orderId, normalisedOf('altcraft', raw.get(orderId)!)]);
			const haveRows = rows.map((row) => [String(row.orderId), String(row.status)]).sort((a, b) => a[0].localeCompare(b[0]));
			checks.check(
				group,
				`the table "${DT_TABLE}" holds one row per order with its last status, seenAt and statusSince`,
				JSON.stringify(haveRows) === JSON.stringify(wantRows) && rows.every((row) => typeof row.seenAt === 'string' && typeof row.statusSince === 'string' && row.statusSince <= row.seenAt),
				JSON.stringify(rows.map((row) => ({ orderId: row.orderId, status: row.status, statusSince: row.statusSince, seenAt: row.seenAt }))),
			);
			Object.assign(dataTableResult, {
				table: DT_TABLE,
				tickSeconds: DT_TICK_SECONDS,
				ticks,
				overlap,
				transitionsMade: planned.length,
				transitionsEmitted: emitted.length,
				executions: all.length,
				rows: rows.map((row) => ({ orderId: row.orderId, status: row.status, statusSince: row.statusSince, seenAt: row.seenAt })),
				secondsActive: seconds(activatedAt),
			});
			phases.push({
				name: '5b Data Table memory (schedule + overlap)',
				executions: all.length,
				ok: all.filter((row) => row.status === 'success').length,
				perWorker: all.reduce<Record<string, number>>((acc, row) => {
					for (const worker of attributed.get(row.id) ?? []) acc[worker] = (acc[worker] ?? 0) + 1;
					return acc;
				}, {}),
				tokenRequests: { ppl: 0, pitneyBowes: 0 },
				seconds: seconds(phaseStarted),
			});
		});

		// ------------------------------------------------------------ phase 6: kill a worker
		const killResult: Json = {};
		let lostInKill = 0;
		let workerA2: N8nProcess | undefined;
		await guarded(checks, 'phase 6', async () => {
			heading('Phase 6: SIGKILL worker-a in the middle of a run');
			const phaseStarted = Date.now();
			sims.altcraft.latencyMs = 2500;
			sims.pitneyBowes.latencyMs = 2500;
			const plan = planBurst(w, 'k', ['altcraft', 'pitneyBowes'], 15).map((planned) => ({ ...planned, expected: planned.expected.slice(0, 2) }));
			const before = await maxExecutionId(pg);
			const abort = new AbortController();
			const posts = plan.map(async (planned) =>
				await postWebhook(ctx, PROVIDER_SPECS[planned.provider].webhookPath, { tag: planned.tag, orders: planned.expected.map((want) => ({ orderId: want.orderId })) }, abort.signal).catch(() => -1),
			);
			await waitUntil('worker-a to be running three of the new executions', 60_000, () => {
				const log_ = workerLog(workerA);
				const running = [...log_.started].filter((id) => id > before && !log_.finished.has(id));
				return running.length >= 3 ? running : undefined;
			}, 100);
			await killN8n(workerA);
			const killedAt = Date.now();
			await sleep(300);
			const afterKill = workerLog(workerA);
			const runningOnA = [...afterKill.started].filter((id) => id > before && !afterKill.finished.has(id));
			info(`killed worker-a (pid ${workerA.child.pid}, SIGKILL to its process group) while it ran executions ${runningOnA.join(', ')}`);
			triggerWatch.change('2 (while worker-a is down)', [
				['TRG-3', 'canceled'],
				['TRG-4', 'part_refunded'],
			]);
			await sleep(5000);
			workerA2 = await startWorker('worker-a (restarted)', workerAEnv, 'worker-a-restarted.log');
			ctx.workerLogs.set('worker-a (restarted)', workerA2.logFile);
			await waitForWorker(workerA2);
			info(`worker-a restarted (pid ${workerA2.child.pid}, same user folder) ${formatSeconds(seconds(killedAt))} after the kill`);
			const where = `e.id > ${before} and e."workflowId" in ('${PROVIDER_SPECS.altcraft.workflowId}','${PROVIDER_SPECS.pitneyBowes.workflowId}')`;
			const rows = await waitUntil('every execution of the interrupted run to end', 240_000, async () => {
				const found = await executionRows(pg, where);
				return found.length >= plan.length && found.every((row) => TERMINAL.has(row.status)) ? found : undefined;
			}, 2000).catch(async (error: unknown) => {
				checks.fail('worker killed', 'every execution of the interrupted run ends', error);
				return await executionRows(pg, where);
			});
			const endedAfter = seconds(killedAt);
			sims.altcraft.latencyMs = 0;
			sims.pitneyBowes.latencyMs = 0;
			await sleep(1000);
			abort.abort();
			const httpStatuses = await Promise.all(posts);
			const workers = attribute(ctx);
			const runs = rows.map((row) => {
				const data = parseExecutionData(install, row.data);
				return { row, id: row.id, status: row.status, workers: workers.get(row.id) ?? [], error: String(data.resultData?.error?.message ?? ''), tag: tagOf(data) };
			});
			// Interrupted: started on worker-a (its log says so), or taken by worker-a and killed before it logged the
			// start (then no worker log names the execution and it did not succeed).
			const killed = new Set(runningOnA);
			const interrupted = runs.filter((run_) => killed.has(run_.id) || (run_.workers.length === 0 && run_.status !== 'success'));
			const others = runs.filter((run_) => !interrupted.includes(run_));
			lostInKill = plan.length - runs.length + runs.filter((run_) => !TERMINAL.has(run_.status)).length;
			const rerun = runs.filter((run_) => run_.workers.length > 1);
			const countBy = <T>(items: T[], key: (item: T) => string[]) =>
				items.reduce<Record<string, number>>((acc, item) => {
					for (const name of key(item)) acc[name] = (acc[name] ?? 0) + 1;
					return acc;
				}, {});
			Object.assign(killResult, {
				requests: plan.length,
				executions: runs.length,
				interruptedOnKilledWorker: interrupted.length,
				interruptedStatuses: countBy(interrupted, (run_) => [run_.status]),
				requeuedAndRunAgain: rerun.length,
				completedByOtherWorkers: others.filter((run_) => run_.status === 'success').length,
				completedPerWorker: countBy(others, (run_) => run_.workers),
				lost: lostInKill,
				interruptedError: interrupted[0]?.error.slice(0, 120) ?? '',
				secondsFromKillToAllEnded: endedAfter,
				webhookAnswers: countBy(httpStatuses, (status) => [String(status)]),
			});
			info(`kill outcome: ${JSON.stringify(killResult)}`);
			checks.check('worker killed', 'worker-a was running executions when it was killed', interrupted.length > 0, JSON.stringify(runningOnA));
			checks.check('worker killed', 'no execution lost: every request has an execution and every execution ended', lostInKill === 0, `${runs.length} executions for ${plan.length} requests; ${runs.filter((run_) => !TERMINAL.has(run_.status)).map((run_) => `${run_.id} ${run_.status}`).join(', ')}`);
			checks.check('worker killed', 'n8n marks the interrupted executions failed (none left running)', interrupted.every((run_) => run_.status === 'error' || run_.status === 'crashed'), interrupted.map((run_) => `${run_.id} ${run_.status}`).join(', '));
			checks.check('worker killed', 'no execution ran on two workers', rerun.length === 0, rerun.map((run_) => `${run_.id}: ${run_.workers.join('+')}`).join(', '));
			const plannedByTag = new Map(plan.map((planned) => [planned.tag, planned]));
			const wrong = others.filter((run_) => {
				const planned = run_.tag ? plannedByTag.get(run_.tag) : undefined;
				return !planned || judge(ctx, planned, run_.row, run_.workers).problems.length > 0;
			});
			checks.check('worker killed', 'every other execution of the run succeeded with the right results', wrong.length === 0, wrong.map((run_) => `${run_.id} ${run_.status} ${run_.error.slice(0, 100)}`).join('; '));
			// No half-written state: static data and credentials are whole, and the interrupted orders check again.
			for (const provider of ['altcraft', 'pitneyBowes'] as Provider[]) {
				const stored = await readStaticData(pg, PROVIDER_SPECS[provider].workflowId);
				checks.check('worker killed', `${provider}: static data is whole after the kill`, stored.valid, stored.problems.slice(0, 3).join('; '));
			}
			const interruptedTags = new Set(interrupted.map((run_) => run_.tag).filter(Boolean));
			const recheckPlan = (['altcraft', 'pitneyBowes'] as Provider[])
				.map((provider) => {
					const orders = plan.filter((planned) => planned.provider === provider && interruptedTags.has(planned.tag)).flatMap((planned) => planned.expected);
					const fallback = plan.filter((planned) => planned.provider === provider).flatMap((planned) => planned.expected);
					return { provider, tag: `after-kill-${provider}`, expected: (orders.length > 0 ? orders : fallback).slice(0, 4) };
				})
				.filter((planned) => planned.expected.length > 0);
			const recheck = await runAll(ctx, recheckPlan);
			for (const outcome of recheck) {
				checks.check('worker killed', `${outcome.planned.provider}: the same orders check again right after the kill`, outcome.problems.length === 0, outcome.problems.join('; '));
			}
			phases.push({
				name: '6 worker killed mid-run',
				executions: runs.length,
				ok: runs.filter((run_) => run_.status === 'success').length,
				perWorker: countBy(runs, (run_) => run_.workers),
				tokenRequests: { ppl: 0, pitneyBowes: 0 },
				seconds: seconds(phaseStarted),
			});
		});

		// ------------------------------------------------------------ phase 7: the polling trigger
		const triggerResult: Json = {};
		let duplicates = 0;
		await guarded(checks, 'phase 7', async () => {
			heading('Phase 7: the Altcraft Market Trigger (polls every minute on the main instance)');
			const phaseStarted = Date.now();
			const round2 = triggerWatch.rounds.find((round) => round.round.startsWith('2'));
			if (round2) await triggerWatch.waitForPollAfter(round2.pollsBefore);
			triggerWatch.change('3 (after the restart)', [['TRG-5', 'delivered']]);
			const round3Polls = await triggerWatch.waitForPollAfter(triggerWatch.rounds.at(-1)!.pollsBefore);
			// One more poll without changes: it must emit nothing.
			await triggerWatch.waitForPollAfter(round3Polls);
			await sleep(3000);
			const rows = await executionRows(pg, `e."workflowId" = '${TRIGGER_WORKFLOW_ID}'`);
			const workers = attribute(ctx);
			const emittedItems = rows.flatMap((row) =>
				(nodeOutputs(parseExecutionData(install, row.data), TRIGGER_NODE) ?? []).map(({ json }) => ({ execution: row.id, orderId: String(json.orderId), status: String(json.status), previousStatus: json.previousStatus ?? null })),
			);
			const mainLog = readFileSync(main_.logFile, 'utf8').replace(ANSI, '');
			const enqueuedByMain = rows.filter((row) => new RegExp(`Enqueued execution ${row.id} \\(job`).test(mainLog)).length;
			const mainPolls = [...mainLog.matchAll(/Poll trigger initiated/g)].length;
			const workerPolls = [...ctx.workerLogs.values()].reduce((sum, logFile) => sum + workerLog({ logFile }).polls, 0);
			for (const transition of triggerWatch.transitions) {
				const seen = emittedItems.filter((item) => item.orderId === transition.orderId && item.status === transition.to && item.previousStatus === transition.from);
				if (seen.length > 1) duplicates += seen.length - 1;
				checks.check('trigger', `${transition.orderId} ${transition.from} → ${transition.to} emitted exactly once (round ${transition.round})`, seen.length === 1, `${seen.length} times`);
			}
			const unexpected = emittedItems.filter((item) => !triggerWatch.transitions.some((transition) => transition.orderId === item.orderId && transition.to === item.status));
			checks.check('trigger', 'nothing else emitted (nothing again after the worker restart, nothing for unchanged orders)', unexpected.length === 0, JSON.stringify(unexpected));
			checks.check('trigger', 'every trigger execution succeeded on a worker', rows.every((row) => row.status === 'success' && (workers.get(row.id) ?? []).length === 1), rows.map((row) => `${row.id} ${row.status} ${(workers.get(row.id) ?? []).join('+')}`).join(', '));
			checks.check('trigger', 'the polls ran on the main instance, which enqueued every trigger execution', enqueuedByMain === rows.length && mainPolls >= triggerWatch.polls, `enqueued by main ${enqueuedByMain}/${rows.length}; polls in the main log ${mainPolls}, polls seen by the simulator ${triggerWatch.polls}`);
			checks.check('trigger', 'no worker polled', workerPolls === 0, `${workerPolls}`);
			Object.assign(triggerResult, {
				polls: triggerWatch.polls,
				pollsInMainLog: mainPolls,
				pollsOnWorkers: workerPolls,
				transitionsMade: triggerWatch.transitions.length,
				itemsEmitted: emittedItems.length,
				executions: rows.length,
				duplicates,
				workers: rows.map((row) => (workers.get(row.id) ?? []).join('+')).join(', '),
			});
			info(`trigger: ${JSON.stringify(triggerResult)}`);
			phases.push({
				name: '7 polling trigger',
				executions: rows.length,
				ok: rows.filter((row) => row.status === 'success').length,
				perWorker: rows.reduce<Record<string, number>>((acc, row) => {
					for (const worker of workers.get(row.id) ?? []) acc[worker] = (acc[worker] ?? 0) + 1;
					return acc;
				}, {}),
				tokenRequests: { ppl: 0, pitneyBowes: 0 },
				seconds: seconds(phaseStarted),
			});
		});

		// ------------------------------------------------------------ final state
		const credentialResult: Json = {};
		const staticResult: Json = { rememberedAfterColdBurst: remembered };
		await guarded(checks, 'final state', async () => {
			heading('Final state: credentials, static data, executions');
			phase = Date.now();
			const exportFile = path.join(workDir, 'credentials-export.json');
			const exported = await runN8n(install, mainEnv, ['export:credentials', '--all', '--decrypted', `--output=${exportFile}`], 300_000);
			if (checks.check('credentials', 'n8n export:credentials --decrypted', exported.code === 0 && existsSync(exportFile), `${exported.stderr}`.slice(-800))) {
				const stored = JSON.parse(readFileSync(exportFile, 'utf8')) as Array<{ id: string; data: Json }>;
				rmSync(exportFile, { force: true });
				for (const credential of credentials) {
					const found = stored.find((entry) => entry.id === credential.id);
					const intact = Boolean(found) && Object.entries(credential.data).every(([field, value]) => field === 'accessToken' || found!.data[field] === value);
					checks.check('credentials', `${credential.id}: decrypts, every field as imported`, intact, found ? '' : 'missing');
				}
				for (const [id, issuer] of [
					['demo-ppl', sims.ppl.tokens],
					['demo-pitney-bowes', sims.pitneyBowes.tokens],
				] as const) {
					const token = String(stored.find((entry) => entry.id === id)?.data.accessToken ?? '');
					const state = issuer.check(tokenId(token));
					credentialResult[id] = `cached token ${state}`;
					checks.check('credentials', `${id}: the cached token is one the provider issued, still valid`, state === 'valid', state);
				}
			}
			for (const provider of PROVIDERS) {
				const stored = await readStaticData(pg, PROVIDER_SPECS[provider].workflowId);
				checks.check('static data', `${provider}: change memory is whole at the end`, stored.valid, stored.problems.slice(0, 3).join('; '));
				staticResult[`${provider}OrdersRemembered`] = stored.remembered;
			}
			timings.finalChecks = seconds(phase);
		});

		const allRows = await pg.json<Array<{ id: number; status: string }>>(`select coalesce(json_agg(json_build_object('id', id, 'status', status) order by id), '[]'::json) from execution_entity`);
		const byStatus = allRows.reduce<Record<string, number>>((acc, row) => ({ ...acc, [row.status]: (acc[row.status] ?? 0) + 1 }), {});
		const finalWorkers = attribute(ctx);
		const perWorker: Record<string, number> = {};
		for (const row of allRows) for (const worker of finalWorkers.get(row.id) ?? ['no worker log']) perWorker[worker] = (perWorker[worker] ?? 0) + 1;
		const startedTwice = [...finalWorkers.values()].filter((names) => names.length > 1).length;
		const interruptedCount = Number(killResult.interruptedOnKilledWorker ?? 0);
		checks.check('executions', 'no execution left running or queued', allRows.every((row) => TERMINAL.has(row.status)), JSON.stringify(byStatus));
		checks.check('executions', 'every execution ran on a worker (none on the main instance), except those killed before logging', (perWorker['no worker log'] ?? 0) <= interruptedCount, JSON.stringify(perWorker));
		const tokenTotals = tokenRequests(w);
		Object.assign(report, {
			versions: {
				n8n: N8N_VERSION,
				node: readSpec().dependencies.node,
				runner: process.version,
				postgres: pg.version.replace(/^postgres \(PostgreSQL\) (\S+).*$/, 'PostgreSQL $1'),
				redis: redis.version.split(' ').slice(0, 3).join(' '),
			},
			setup: {
				instances: 'n8n start (main) + 2 × n8n worker (concurrency 10 each), EXECUTIONS_MODE=queue, one Postgres, one Redis, one encryption key',
				pack: "the npm pack tarball installed into each instance's own .n8n/nodes",
				bull: Object.entries(BULL_SETTINGS)
					.map(([key, value]) => `${key}=${value}`)
					.join(' '),
				executionsPerBurst: `${RUNS_PER_PROVIDER * PROVIDERS.length} (after token expiry ${EXPIRY_RUNS_PER_PROVIDER * 2})`,
				ordersPerExecution: ORDERS_PER_RUN,
			},
			executions: { total: allRows.length, byStatus, perWorker },
			tokenRequests: {
				pplCplApi: { coldBurst: tokens.cold.ppl, warmBurst: tokens.warm.ppl, afterExpiry: tokens.expired.ppl, wholeRun: tokenTotals.ppl },
				pitneyBowesFulfillmentApi: { coldBurst: tokens.cold.pitneyBowes, warmBurst: tokens.warm.pitneyBowes, afterExpiry: tokens.expired.pitneyBowes, wholeRun: tokenTotals.pitneyBowes },
			},
			duplicates: { triggerTransitionsEmittedTwice: duplicates, executionsStartedTwice: startedTwice },
			lost: lostInKill + allRows.filter((row) => !TERMINAL.has(row.status)).length,
			changeMemory: memory,
			dataTableMemory: dataTableResult,
			coldTokenBursts: coldRounds,
			kill: killResult,
			trigger: triggerResult,
			sender: senderResult,
			staticData: staticResult,
			credentials: credentialResult,
		});
		for (const [name, used, runs] of [
			['cold burst', tokens.cold, RUNS_PER_PROVIDER],
			['burst after token expiry', tokens.expired, EXPIRY_RUNS_PER_PROVIDER],
		] as const) {
			if (used.ppl > 1 || used.pitneyBowes > 1) {
				notes.push(
					`${name}: ${used.ppl} PPL and ${used.pitneyBowes} Pitney Bowes token requests for ${runs} concurrent executions each, not one. ` +
						'n8n runs a credential\'s preAuthentication in every execution that reads the credential while its token is empty (or gets a 401 with ' +
						'the stored token), and nothing coordinates that across executions or workers: each execution that reads the credential before the ' +
						'first new token is saved fetches its own (the pack asks at most once per execution). Once a token is saved, every execution on every ' +
						'worker uses it (the warm burst made none).',
				);
			}
		}
	} catch (error) {
		checks.fail('run', 'the suite ran to the end', error);
		console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	} finally {
		heading('Stopping everything this suite started');
		await stopAllN8n();
		if (world) {
			await Promise.all([...Object.values(world.sims), world.triggerSim, world.dtSim].map(async (simulator) => await simulator.stop()));
		}
		await stopServices();
		if (KEEP) info(`kept ${workDir}`);
		else rmSync(workDir, { recursive: true, force: true });
	}

	timings.total = seconds(started);
	const total = checks.total;
	const full: Report = {
		date: new Date().toISOString(),
		result: checks.failed.length === 0 ? 'PASS' : 'FAIL',
		versions: {},
		setup: {},
		phases,
		executions: { total: 0, byStatus: {}, perWorker: {} },
		tokenRequests: {},
		duplicates: { triggerTransitionsEmittedTwice: 0, executionsStartedTwice: 0 },
		lost: 0,
		changeMemory: {},
		dataTableMemory: {},
		coldTokenBursts: [],
		kill: {},
		trigger: {},
		sender: {},
		staticData: {},
		credentials: {},
		...report,
		timings,
		checks: { ...total, failures: checks.failed },
		knownLimitations,
		notes,
	};
	writeFileSync(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(full, null, 2)}\n`);
	const md = markdown(full);
	writeFileSync(path.join(RESULTS_DIR, 'latest.md'), md);
	heading('Report (test/queue/results/latest.md)');
	console.log(md);
	console.log(`queue: ${total.passed} passed, ${total.total - total.passed} failed`);
	process.exitCode = checks.failed.length === 0 ? 0 : 1;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping everything this suite started…`);
		void stopAllN8n()
			.then(async () => await stopServices())
			.finally(() => process.exit(130));
	});
}

void main();
