import { monitorEventLoopDelay } from 'node:perf_hooks';
/**
 * `npm run bench` (issue 8): the pack's nodes against what a user would build instead, side by side, in the real
 * n8n of the end-to-end suite (test/e2e: n8n 2.40.7 on Node 24, installed once by test/e2e/install.ts).
 *
 * For Altcraft Market, Pitney Bowes and PPL CPL order tracking, with N orders (default 1,000), simulator latency
 * (default 50 ms per request) and a provider rate limit (default 50 requests/second, 429 + Retry-After above it),
 * each variant of bench/workflows.ts runs once with `n8n execute --id --rawOutput`; n8n's own startedAt →
 * stoppedAt is the execution time. Then the node's own overhead and memory are measured in-process
 * (bench/inProcess.ts). Results: a table on the terminal, bench/results/latest.json, latest.md and chart.svg.
 *
 * Environment: BENCH_N, BENCH_LATENCY_MS, BENCH_RATE, BENCH_INPROCESS_ITEMS (10,000; 0 skips it), BENCH_PROVIDERS
 * (e.g. "altcraft,ppl"), BENCH_VARIANTS (e.g. "A"), BENCH_QUIET_WAIT_S (wait up to this long for the 1-minute load average to drop below
 * BENCH_QUIET_LOAD, default 1.0), BENCH_KEEP=1 (keep the temporary n8n user folder), BENCH_RESULTS_DIR. Only a
 * complete run with the standard settings writes bench/results/ (and bench/workflows/); others write
 * bench/results/partial/ (git-ignored).
 * A benchmark, not a test: it exits 0 whatever the numbers, and non-zero only when it could not measure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { demoCredentials } from '../test/e2e/credentials';
import { ensureN8n, readSpec } from '../test/e2e/install';
import { freePort, n8nEnv, runN8n, stopAll } from '../test/e2e/n8n';
import { evaluate, findExecution, type Outcome } from './evaluate';
import { measureInProcess, stopInProcess, type InProcessResult } from './inProcess';
import { CONFIGURED_RATE_TIME_FACTOR, effectiveConcurrency, limitFor, TIME_TARGET_FACTOR, type Limit, type TargetCheck } from './limits';
import { installPack, packThePack, ROOT } from './pack';
import { cpuComparisonLines, writeReports, type BenchReport, type Calibration, type MachineInfo, type VariantResult } from './report';
import {
	BENCH_PORTS,
	batchingFor,
	buildWorkflow,
	CALIBRATION,
	calibrationWorkflow,
	PACK_VARIANTS,
	PB_BASIC_CREDENTIAL,
	REQUEST_NODE,
	RESULT_NODE,
	VARIANTS,
	workflowFileName,
	type Variant,
} from './workflows';
import {
	countsOf,
	PROVIDER_LABELS,
	PROVIDERS,
	readSettings,
	resetCounters,
	startWorld,
	timelineOf,
	type BenchWorld,
	type ProviderKey,
} from './world';

const KEEP = process.env.BENCH_KEEP === '1';
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function log(message: string): void {
	console.log(message);
}

function loadAverage(): [number, number, number] {
	return os.loadavg().map((value) => round(value, 2)) as [number, number, number];
}

/** Waits (up to BENCH_QUIET_WAIT_S) for the 1-minute load average to drop below BENCH_QUIET_LOAD. */
async function waitForQuiet(): Promise<void> {
	const waitSeconds = Number(process.env.BENCH_QUIET_WAIT_S ?? 0);
	const threshold = Number(process.env.BENCH_QUIET_LOAD ?? 1);
	if (!(waitSeconds > 0)) return;
	const deadline = Date.now() + waitSeconds * 1000;
	while (os.loadavg()[0] >= threshold && Date.now() < deadline) {
		log(`  load average ${loadAverage().join(' ')} ≥ ${threshold}: waiting (up to ${Math.round((deadline - Date.now()) / 1000)} s more)`);
		await sleep(15_000);
	}
}

function machineInfo(n8nVersion: string, n8nNode: string): MachineInfo {
	const cpus = os.cpus();
	return {
		cpus: cpus.length,
		cpuModel: cpus[0]?.model.trim() ?? 'unknown',
		memoryGB: round(os.totalmem() / 1024 ** 3, 1),
		platform: `${os.type()} ${os.release()} ${os.arch()}`,
		benchNode: process.version,
		n8nNode,
		n8nVersion,
		loadBefore: loadAverage(),
		loadAfter: [0, 0, 0],
	};
}

function formatSeconds(value: number): string {
	return value >= 60 ? `${Math.floor(value / 60)} min ${Math.round(value % 60)} s` : `${value.toFixed(1)} s`;
}

/** The credentials every variant uses, pointing at this run's simulators. */
function credentialsFile(world: BenchWorld): unknown[] {
	const pack = demoCredentials({ ...world.urls, sender: 'http://127.0.0.1:9' }).filter((credential) => credential.type !== 'senderApi');
	return [...pack, PB_BASIC_CREDENTIAL];
}

/**
 * The targets of the pack's variants. A: every status right, within TIME_TARGET_FACTOR × max(the provider's limit,
 * n8n's floor: the calibration of this run), for PPL at most N / 50 requests and no two closer than 40 ms at the
 * provider, one token request. AL (Max Requests per Second = the limit): the same, no 429, and within
 * CONFIGURED_RATE_TIME_FACTOR × the limit where the rate limit is what binds (Altcraft, Pitney Bowes).
 */
export function targetsOf(
	provider: ProviderKey,
	variant: Variant,
	result: Omit<VariantResult, 'targets'>,
	orders: number,
	floorSeconds: number | undefined,
): TargetCheck[] {
	const { outcome, counts, limit } = result;
	const bound = Math.max(limit.seconds, floorSeconds ?? 0);
	const boundText =
		floorSeconds !== undefined
			? `max(limit ${limit.seconds.toFixed(2)} s, n8n floor ${floorSeconds.toFixed(2)} s) = ${bound.toFixed(2)} s`
			: `the limit ${limit.seconds.toFixed(2)} s (no n8n floor measured)`;
	const rateBinds = limit.terms.rate >= Math.max(limit.terms.latency, limit.terms.pacing ?? 0) && limit.seconds >= (floorSeconds ?? 0);
	const factor = variant === 'AL' && rateBinds ? CONFIGURED_RATE_TIME_FACTOR : TIME_TARGET_FACTOR;
	const ratio = outcome.seconds / bound;
	const checks: TargetCheck[] = [
		{
			name: '100% correct statuses',
			pass: outcome.correct === orders,
			detail: `${outcome.correct}/${orders} correct, ${outcome.wrong} wrong, ${outcome.failed} without a status`,
		},
		{
			name: `within ${factor}× of max(limit, n8n floor)`,
			pass: Number.isFinite(ratio) && ratio <= factor,
			detail: `${outcome.seconds.toFixed(2)} s = ${Number.isFinite(ratio) ? ratio.toFixed(2) : '?'}× ${boundText}`,
		},
	];
	if (variant === 'AL') {
		checks.push({ name: 'no 429', pass: counts.rateLimited === 0, detail: `${counts.rateLimited} × 429` });
	}
	if (provider === 'ppl') {
		const apiRequests = counts.requests - counts.tokenRequests;
		checks.push({
			name: `at most N / 50 = ${limit.requestFloor} requests`,
			pass: apiRequests <= limit.requestFloor,
			detail: `${apiRequests} GET /order requests`,
		});
		checks.push({
			name: 'no two requests closer than 40 ms at PPL',
			pass: (counts.gapsUnder40ms ?? 0) === 0,
			detail: `${counts.gapsUnder40ms ?? 0} gaps < 40 ms; the smallest ${counts.minGapMs ?? '?'} ms`,
		});
	}
	checks.push(
		provider !== 'altcraft'
			? { name: 'at most one token request per credential', pass: counts.tokenRequests <= 1, detail: `${counts.tokenRequests} token request(s)` }
			: { name: 'at most one token request per credential', pass: counts.tokenRequests <= 1, detail: 'static API token: no token requests' },
	);
	return checks;
}

/** n8n's own time for one per-item expression over N items (the calibration workflow). */
async function runCalibration(install: Awaited<ReturnType<typeof ensureN8n>>, env: NodeJS.ProcessEnv, orders: number): Promise<Calibration> {
	const execution = await runN8n(install, { ...env, N8N_LOG_LEVEL: 'info' }, ['execute', `--id=${CALIBRATION.id}`, '--rawOutput'], 300_000);
	const document = findExecution(execution.stdout);
	const runs = (document?.data as { resultData?: { runData?: Record<string, Array<{ executionTime?: number }>> } } | undefined)?.resultData?.runData?.[CALIBRATION.node];
	const ms = runs?.[0]?.executionTime;
	return typeof ms === 'number'
		? { items: orders, seconds: round(ms / 1000, 3), engine: env.N8N_EXPRESSION_ENGINE ?? 'n8n default (vm)' }
		: { items: orders, engine: env.N8N_EXPRESSION_ENGINE ?? 'n8n default (vm)', error: `exit ${execution.code}: ${execution.stderr.slice(-300)}` };
}

/**
 * BENCH_CPU_PROF_DIR=<folder>: each `n8n execute` of a variant writes a V8 CPU profile (`--cpu-prof`) into
 * <folder>/<provider>-<variant>/, to see where n8n's process spent its time (bench/profile.ts summarises one).
 */
function profileEnv(name: string): NodeJS.ProcessEnv {
	const folder = process.env.BENCH_CPU_PROF_DIR;
	if (!folder) return {};
	const target = path.resolve(folder, name);
	mkdirSync(target, { recursive: true });
	return { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${target} --cpu-prof-interval=250` };
}

/** Arrival of the first request at or after `since` (epoch ms). */
function firstRequestAfter(world: BenchWorld, provider: ProviderKey, since: number): number {
	let first = Infinity;
	for (const request of world.sims[provider].requests) if (request.receivedAt >= since && request.receivedAt < first) first = request.receivedAt;
	return Number.isFinite(first) ? first : since;
}

async function runVariant(
	install: Awaited<ReturnType<typeof ensureN8n>>,
	env: NodeJS.ProcessEnv,
	world: BenchWorld,
	provider: ProviderKey,
	variant: Variant,
	floorSeconds: number | undefined,
): Promise<VariantResult> {
	const { settings } = world;
	const workflow = buildWorkflow(provider, variant, settings, world.urls);
	resetCounters(world);
	// A whole rate-limit window without requests before every variant.
	await sleep(1100);
	resetCounters(world);
	const simulatorLag = monitorEventLoopDelay({ resolution: 5 });
	simulatorLag.enable();
	const execution = await runN8n(install, { ...env, N8N_LOG_LEVEL: 'info', ...profileEnv(`${provider}-${variant}`) }, ['execute', `--id=${workflow.id}`, '--rawOutput'], 900_000);
	simulatorLag.disable();
	console.log(`  simulators' event loop lag: p99 ${(simulatorLag.percentile(99) / 1e6).toFixed(1)} ms, max ${(simulatorLag.max / 1e6).toFixed(1)} ms`);
	const counts = countsOf(world, provider);
	const timeline = timelineOf(world, provider);
	const document = findExecution(execution.stdout) ?? findExecution(`${execution.stdout}\n${execution.stderr}`);
	const outcome: Outcome = document
		? evaluate(document, RESULT_NODE[variant], world.truth[provider])
		: {
				status: 'no output',
				seconds: NaN,
				nodes: {},
				error: `n8n execute exited ${execution.code} without printing the execution: ${`${execution.stderr}\n${execution.stdout}`.trim().slice(-600)}`,
				correct: 0,
				wrong: 0,
				failed: settings.orders,
				wrongExamples: [],
				wrongByRaw: {},
			};
	const concurrency = effectiveConcurrency(variant, settings.orders, batchingFor(settings.ratePerSecond).batchSize);
	const limit: Limit = limitFor(provider, settings, concurrency);
	const requestNode = outcome.nodes[REQUEST_NODE[variant]];
	// The token request node runs before it: only the requests after the request node started count.
	const phases =
		requestNode?.startTime !== undefined && timeline.firstAt > 0
			? {
					beforeFirstRequest: round(Math.max(0, firstRequestAfter(world, provider, requestNode.startTime) - requestNode.startTime) / 1000, 3),
					requests: round((timeline.lastAt - firstRequestAfter(world, provider, requestNode.startTime)) / 1000, 3),
					afterLastRequest: round((requestNode.startTime + requestNode.ms - timeline.lastAt) / 1000, 3),
				}
			: undefined;
	const partial: Omit<VariantResult, 'targets'> = {
		provider,
		variant,
		workflowId: workflow.id,
		workflowFile: `bench/workflows/${workflowFileName(provider, variant)}`,
		outcome,
		counts,
		timeline,
		limit,
		requestNodeSeconds: requestNode ? requestNode.ms / 1000 : undefined,
		phases,
		cliSeconds: round(execution.seconds, 2),
		exitCode: execution.code,
	};
	const result: VariantResult = {
		...partial,
		targets: PACK_VARIANTS.includes(variant) ? targetsOf(provider, variant, partial, settings.orders, floorSeconds) : [],
	};
	const ratio = outcome.seconds / limit.seconds;
	const gaps = provider === 'ppl' ? `, gaps < 40 ms ${counts.gapsUnder40ms ?? 0} (smallest ${counts.minGapMs ?? '?'} ms)` : '';
	log(
		`  ${variant.padEnd(2)} ${PROVIDER_LABELS[provider].padEnd(16)} ${Number.isFinite(outcome.seconds) ? outcome.seconds.toFixed(2).padStart(6) : '     ?'} s ` +
			`(${Number.isFinite(ratio) ? ratio.toFixed(2) : '?'}× limit ${limit.seconds.toFixed(2)} s)  correct ${outcome.correct}/${settings.orders}` +
			`  failed ${outcome.failed}  requests ${counts.requests} (token ${counts.tokenRequests}, 429 ${counts.rateLimited}${gaps})` +
			`${outcome.error ? `  workflow error: ${outcome.error.slice(0, 120)}` : ''}`,
	);
	if (phases) {
		log(
			`     ${REQUEST_NODE[variant]}: ${phases.beforeFirstRequest.toFixed(2)} s to the first request, ${phases.requests.toFixed(2)} s of requests, ${phases.afterLastRequest.toFixed(2)} s after the last`,
		);
	}
	return result;
}

async function main(): Promise<void> {
	const started = Date.now();
	const settings = readSettings();
	const providers = (process.env.BENCH_PROVIDERS ?? '')
		.split(',')
		.map((value) => value.trim())
		.filter((value): value is ProviderKey => (PROVIDERS as string[]).includes(value));
	const selected = providers.length > 0 ? providers : PROVIDERS;
	const variants = (process.env.BENCH_VARIANTS ?? '')
		.split(',')
		.map((value) => value.trim().toUpperCase())
		.filter((value): value is Variant => (VARIANTS as string[]).includes(value));
	const selectedVariants = variants.length > 0 ? variants : VARIANTS;
	const inProcessItems = Number(process.env.BENCH_INPROCESS_ITEMS ?? 10_000);
	const n8nVersion = readSpec().dependencies.n8n;

	log(`\n=== Benchmark: ${settings.orders} orders, ${settings.latencyMs} ms latency, ${settings.ratePerSecond} requests/s rate limit, n8n ${n8nVersion}`);
	log(`load average before: ${loadAverage().join(' ')} (${os.cpus().length} CPUs)`);
	await waitForQuiet();

	const install = await ensureN8n(n8nVersion);
	const n8nNode = execFileSync(install.nodeBin, ['--version'], { encoding: 'utf8' }).trim();
	const machine = machineInfo(n8nVersion, n8nNode);
	log(`load average at the start: ${machine.loadBefore.join(' ')}`);

	let phase = Date.now();
	const pack = await packThePack();
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'order-status-bench-'));
	let world: BenchWorld | undefined;
	const results: VariantResult[] = [];
	let inProcess: InProcessResult | undefined;
	let inProcessError: string | undefined;
	let calibration: Calibration | undefined;
	try {
		await installPack(userFolder, pack.tarball);
		log(`pack built, packed (${pack.files} files) and installed into ${userFolder} in ${formatSeconds((Date.now() - phase) / 1000)}`);

		world = await startWorld(settings, BENCH_PORTS);
		const env = n8nEnv(install, userFolder, { http: await freePort(), broker: await freePort() });
		phase = Date.now();
		const credentials = path.join(userFolder, 'credentials.json');
		writeFileSync(credentials, JSON.stringify(credentialsFile(world), null, 2));
		const importedCredentials = await runN8n(install, env, ['import:credentials', `--input=${credentials}`]);
		if (importedCredentials.code !== 0) throw new Error(`n8n import:credentials failed:\n${importedCredentials.stderr.slice(-1500)}`);

		// The committed copies use the standard bench ports; the imported ones this run's simulators.
		const committed = path.join(__dirname, 'workflows');
		const imported = path.join(userFolder, 'workflows');
		mkdirSync(committed, { recursive: true });
		mkdirSync(imported, { recursive: true });
		// bench/workflows/ documents the standard run: other settings do not overwrite it.
		const standard = JSON.stringify(settings) === JSON.stringify(readSettings({}));
		for (const provider of PROVIDERS) {
			for (const variant of VARIANTS) {
				const file = workflowFileName(provider, variant);
				if (standard) writeFileSync(path.join(committed, file), `${JSON.stringify(buildWorkflow(provider, variant, settings), null, '\t')}\n`);
				writeFileSync(path.join(imported, file), JSON.stringify(buildWorkflow(provider, variant, settings, world.urls)));
			}
		}
		if (standard) writeFileSync(path.join(committed, CALIBRATION.file), `${JSON.stringify(calibrationWorkflow(settings.orders), null, '\t')}\n`);
		writeFileSync(path.join(imported, CALIBRATION.file), JSON.stringify(calibrationWorkflow(settings.orders)));
		const importedWorkflows = await runN8n(install, env, ['import:workflow', '--separate', `--input=${imported}`]);
		if (importedWorkflows.code !== 0) throw new Error(`n8n import:workflow failed:\n${importedWorkflows.stderr.slice(-1500)}`);
		log(`credentials and ${PROVIDERS.length * VARIANTS.length} workflows imported in ${formatSeconds((Date.now() - phase) / 1000)}`);

		log('\n=== In n8n (one `n8n execute` per variant)');
		calibration = await runCalibration(install, env, settings.orders);
		log(
			calibration.seconds !== undefined
				? `  n8n itself: one per-item expression ({{ $json.orderId }}) for ${settings.orders} items takes ${calibration.seconds.toFixed(2)} s (Edit Fields node)`
				: `  calibration failed: ${calibration.error}`,
		);
		for (const provider of selected) {
			for (const variant of selectedVariants) results.push(await runVariant(install, env, world, provider, variant, calibration.seconds));
		}
	} finally {
		await stopAll();
		if (world) await world.stop();
		pack.cleanup();
		if (KEEP) log(`kept ${userFolder}`);
		else rmSync(userFolder, { recursive: true, force: true });
	}

	if (inProcessItems > 0) {
		log(`\n=== In-process: the Altcraft node through n8n-core, ${inProcessItems} items at zero latency, then beside n8n's HTTP Request node`);
		try {
			inProcess = await measureInProcess(inProcessItems);
			log(`  ${inProcess.itemsPerSecond} items/s, ${inProcess.cpuMsPerItem} ms CPU per item, heap +${inProcess.heapDeltaMB} MB (peak ${inProcess.heapPeakMB} MB), RSS +${inProcess.rssDeltaMB} MB`);
			for (const line of cpuComparisonLines({ inProcess } as BenchReport)) log(`  ${line}`);
		} catch (error) {
			inProcessError = error instanceof Error ? error.message : String(error);
			log(`  FAILED: ${inProcessError}`);
		}
	} else {
		inProcessError = 'skipped (BENCH_INPROCESS_ITEMS=0)';
	}

	machine.loadAfter = loadAverage();
	const report: BenchReport = {
		date: new Date(started).toISOString(),
		durationSeconds: round((Date.now() - started) / 1000, 1),
		settings: { ...settings, batching: batchingFor(settings.ratePerSecond), inProcessItems },
		machine,
		results,
		inProcess,
		inProcessError,
		calibration,
	};
	// A run with other settings, or only some providers or variants, does not replace the committed results.
	const complete =
		JSON.stringify(settings) === JSON.stringify(readSettings({})) &&
		selected.length === PROVIDERS.length &&
		selectedVariants.length === VARIANTS.length &&
		inProcessItems === 10_000;
	const resultsDir = process.env.BENCH_RESULTS_DIR ?? path.join(__dirname, 'results', complete ? '' : 'partial');
	const files = writeReports(report, resultsDir);
	log(`\nwrote ${files.map((file) => path.relative(ROOT, file)).join(', ')}`);
	log(`total: ${formatSeconds(report.durationSeconds)}; load average before ${machine.loadBefore.join(' ')}, after ${machine.loadAfter.join(' ')}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping everything the benchmark started…`);
		stopInProcess();
		void stopAll().finally(() => process.exit(130));
	});
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : error);
	await stopAll();
	process.exitCode = 1;
});
