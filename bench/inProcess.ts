/**
 * The node's own cost, without a real n8n: the Altcraft Market node run through n8n-core's WorkflowExecute
 * (test/harness/runWorkflow.ts) against the Altcraft simulator at zero latency and without a rate limit.
 *
 * - throughput: items per second for `BENCH_INPROCESS_ITEMS` (default 10,000) items with the node's defaults
 *   (Max Concurrency 5), and the CPU time of this process per item (the simulator runs in its own process, so
 *   its CPU is not counted);
 * - memory: heap and RSS sampled every 5 ms during the run, against a baseline taken after a warm-up run and a
 *   full garbage collection;
 * - the peer, in the same process and against the same simulator: n8n's HTTP Request node (n8n-nodes-base, the
 *   release of n8n-core) sending the same requests (`POST …/market/orders/get_status` with the token and the
 *   order's `external_id` in the JSON body, as bench variant B does), and n8n's own floor, an Edit Fields node
 *   evaluating the one per-item expression every variant evaluates (`{{ $json.orderId }}`). The three run in
 *   turns (`BENCH_INPROCESS_ROUNDS`, default 3, each on `BENCH_INPROCESS_COMPARE_ITEMS` items, default 5,000),
 *   the median CPU per item of each is reported, and the ratio pack / HTTP Request.
 *
 * `measureInProcess()` runs this file as a child process (`--expose-gc`) so that the measurement starts clean;
 * the child starts the simulator as its own child (`--simulator`). Each prints one JSON line.
 * BENCH_INPROCESS_CPU_PROF=<folder> runs the child with `--cpu-prof` into that folder (bench/profile.ts reads it);
 * BENCH_INPROCESS_ONLY=pack|httpRequest|expression measures that workflow alone (no comparison), to profile it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

type Json = Record<string, unknown>;

export interface InProcessResult {
	items: number;
	warmupItems: number;
	seconds: number;
	itemsPerSecond: number;
	cpuMsPerItem: number;
	correct: number;
	errors: number;
	requests: number;
	heapBaselineMB: number;
	heapPeakMB: number;
	heapDeltaMB: number;
	rssBaselineMB: number;
	rssPeakMB: number;
	rssDeltaMB: number;
	nodeVersion: string;
	maxConcurrency: number;
	/** The pack's node beside n8n's HTTP Request node and n8n's expression floor (see the file's comment). */
	comparison?: CpuComparison;
}

/** One workflow's CPU per item over the comparison rounds. */
export interface CpuPerItem {
	label: string;
	items: number;
	/** ms of CPU per item, per round. */
	rounds: number[];
	/** The median of the rounds. */
	cpuMsPerItem: number;
	itemsPerSecond: number;
	/** Items that came out with the right answer (the pack: the right status; the peer: the simulator's status). */
	correct: number;
}

export interface CpuComparison {
	pack: CpuPerItem;
	httpRequest: CpuPerItem;
	expression: CpuPerItem;
	/** pack / HTTP Request, CPU per item. */
	ratio: number;
	/** The pack's CPU per item beyond n8n's expression floor, and the HTTP Request node's. */
	packBeyondFloor: number;
	httpRequestBeyondFloor: number;
}

const MB = 1024 * 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const round3 = (value: number) => round(value, 3);
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

function readJsonLine(child: ChildProcess): Promise<Json> {
	return new Promise((resolve, reject) => {
		const lines = createInterface({ input: child.stdout! });
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		lines.on('line', (line) => {
			if (line.startsWith('{')) resolve(JSON.parse(line) as Json);
		});
		child.once('exit', (code) => reject(new Error(`${path.basename(String(child.spawnargs.at(-2)))} exited with ${code} before answering:\n${stderr.slice(-2000)}`)));
		child.once('error', reject);
	});
}

let running: ChildProcess | undefined;

/** Runs the measurement in a fresh child process and returns its result. */
export async function measureInProcess(items: number): Promise<InProcessResult> {
	const profileDir = process.env.BENCH_INPROCESS_CPU_PROF;
	const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
	const child = spawn(process.execPath, ['--expose-gc', ...profile, ...TS_NODE, __filename, '--worker', String(items)], {
		cwd: path.resolve(__dirname, '..'),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	running = child;
	try {
		return (await readJsonLine(child)) as unknown as InProcessResult;
	} finally {
		stopInProcess();
	}
}

/** Stops the measurement's child process (it stops its simulator child on SIGTERM), if one runs. */
export function stopInProcess(): void {
	const child = running;
	running = undefined;
	if (child && child.exitCode === null && child.signalCode === null && child.pid) child.kill('SIGTERM');
}

// ---------------------------------------------------------------- the simulator process

async function simulatorMain(count: number): Promise<void> {
	const { AltcraftSimulator } = await import('../test/simulators/altcraft');
	const { DEMO_CREDENTIALS } = await import('../test/simulators/demoData');
	const sim = new AltcraftSimulator({ token: DEMO_CREDENTIALS.altcraft.apiToken });
	sim.maxLoggedRequests = 0;
	for (let i = 0; i < count; i++) sim.addOrder({ id: i + 1, external_id: `ALT-${i + 1}`, status: ['new', 'paid', 'delivered'][i % 3] });
	const url = await sim.start(0);
	process.stdout.write(`${JSON.stringify({ url })}\n`);
	const stop = () => void sim.stop().finally(() => process.exit(0));
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
	// Also stop when the parent goes away.
	process.on('disconnect', stop);
	setInterval(() => {
		if (process.ppid === 1) stop();
	}, 1000).unref();
	// Answer counters on request: the parent reads how many requests were made.
	process.stdin.on('data', () => process.stdout.write(`${JSON.stringify({ requests: sim.stats.requests })}\n`));
}

// ---------------------------------------------------------------- the worker process

async function workerMain(items: number): Promise<void> {
	// n8n-core keeps an encryption key under $N8N_USER_FOLDER: a temporary folder, removed at the end.
	const { mkdtempSync, rmSync } = await import('node:fs');
	const { tmpdir } = await import('node:os');
	const userFolder = mkdtempSync(path.join(tmpdir(), 'order-status-bench-n8n-'));
	process.env.N8N_USER_FOLDER = userFolder;
	process.on('exit', () => rmSync(userFolder, { recursive: true, force: true }));
	await import('../test/setup/env');
	const { CredentialStore, runWorkflow } = await import('../test/harness/runWorkflow');
	const { DEMO_CREDENTIALS } = await import('../test/simulators/demoData');

	const simChild = spawn(process.execPath, [...TS_NODE, __filename, '--simulator', String(items)], {
		cwd: path.resolve(__dirname, '..'),
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	const stopSim = () => {
		if (simChild.exitCode === null && simChild.pid) simChild.kill('SIGTERM');
	};
	process.on('exit', stopSim);
	for (const signal of ['SIGTERM', 'SIGINT'] as const) {
		process.on(signal, () => {
			stopSim();
			process.exit(143);
		});
	}
	try {
		const { url } = (await readJsonLine(simChild)) as { url: string };
		const store = new CredentialStore();
		store.add({ id: 'bench-altcraft', name: 'Altcraft (bench)', type: 'altcraftApi', data: { baseUrl: url, apiToken: DEMO_CREDENTIALS.altcraft.apiToken } });
		const start = { id: 'b1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
		const after = (node: Json & { name: string }) => ({
			name: `in-process bench: ${node.name}`,
			nodes: [start, { id: 'b2', typeVersion: 1, position: [220, 0] as [number, number], ...node }],
			connections: { Start: { main: [[{ node: node.name, type: 'main' as const, index: 0 }]] } },
		});
		const workflows = {
			pack: after({
				name: 'Altcraft Market',
				type: 'n8n-nodes-order-status.altcraftMarket',
				parameters: { resource: 'order', operation: 'getStatus', identifyBy: 'externalId', orderId: '={{ $json.orderId }}', options: {} },
				credentials: { altcraftApi: { id: 'bench-altcraft', name: 'Altcraft (bench)' } },
			}),
			// What bench variant B sends: the token literally in the JSON body, the order's id by expression.
			httpRequest: after({
				name: 'HTTP Request',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				parameters: {
					method: 'POST',
					url: `${url}/api/v1.1/market/orders/get_status`,
					sendBody: true,
					bodyParameters: {
						parameters: [
							{ name: 'token', value: DEMO_CREDENTIALS.altcraft.apiToken },
							{ name: 'external_id', value: '={{ $json.orderId }}' },
						],
					},
					options: {},
				},
			}),
			// n8n's floor: the one per-item expression every variant evaluates (the bench's calibration workflow).
			expression: after({
				name: 'Read order id',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				parameters: {
					assignments: { assignments: [{ id: 'be0c4c00-0000-4000-8000-000000000098', name: 'id', value: '={{ $json.orderId }}', type: 'string' }] },
					options: {},
				},
			}),
		};
		type Key = keyof typeof workflows;
		const input = (count: number) => Array.from({ length: count }, (_, i) => ({ orderId: `ALT-${i + 1}` }));
		const rawOf = (id: string) => ['new', 'paid', 'delivered'][(Number(id.slice(4)) - 1) % 3];
		const expected = (id: string) => ['accepted', 'processing', 'delivered'][(Number(id.slice(4)) - 1) % 3];
		const correctOf = (key: Key, output: Json[], given: Array<{ orderId: string }>): number => {
			if (key === 'pack') return output.filter((json) => typeof json.orderId === 'string' && json.status === expected(json.orderId)).length;
			if (key === 'expression') return output.filter((json, i) => json.id === given[i]?.orderId).length;
			return output.filter((json, i) => (json.result as Json | undefined)?.status === rawOf(given[i]?.orderId ?? '')).length;
		};
		const outputOf = (key: Key, result: Awaited<ReturnType<typeof runWorkflow>>) => {
			const node = workflows[key].nodes[1].name as string;
			return result.output(node).map((item) => item.json as Json);
		};
		const gc = (globalThis as { gc?: () => void }).gc;

		// BENCH_INPROCESS_ONLY=pack|httpRequest|expression: that workflow alone (to profile it), no comparison.
		const only = (Object.keys(workflows) as Key[]).find((key) => key === process.env.BENCH_INPROCESS_ONLY);
		const measured: Key = only ?? 'pack';

		// Warm-up: JIT, sockets, module loading, for every workflow.
		const warmupItems = Math.min(1000, items);
		for (const key of only ? [only] : (Object.keys(workflows) as Key[])) await runWorkflow(workflows[key] as never, { credentials: store, input: input(warmupItems) });
		const requestsSoFar = async () => {
			simChild.stdin!.write('\n');
			return ((await readJsonLine(simChild)) as { requests: number }).requests;
		};

		// The pack's node alone: throughput and memory.
		gc?.();
		gc?.();
		const requestsBefore = await requestsSoFar();
		const baseline = process.memoryUsage();
		let heapPeak = baseline.heapUsed;
		let rssPeak = baseline.rss;
		const sampler = setInterval(() => {
			const now = process.memoryUsage();
			heapPeak = Math.max(heapPeak, now.heapUsed);
			rssPeak = Math.max(rssPeak, now.rss);
		}, 5);
		const inputItems = input(items);
		const cpuBefore = process.cpuUsage();
		const started = process.hrtime.bigint();
		const result = await runWorkflow(workflows[measured] as never, { credentials: store, input: inputItems });
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const cpu = process.cpuUsage(cpuBefore);
		clearInterval(sampler);
		const afterRun = process.memoryUsage();
		heapPeak = Math.max(heapPeak, afterRun.heapUsed);
		rssPeak = Math.max(rssPeak, afterRun.rss);
		const output = outputOf(measured, result);
		const requests = (await requestsSoFar()) - requestsBefore;

		// Beside the peer: the three workflows in turns, each round in another order.
		const rounds = only ? 0 : Math.max(0, Math.floor(Number(process.env.BENCH_INPROCESS_ROUNDS ?? 3)));
		const compareItems = Math.min(items, Math.max(1, Math.floor(Number(process.env.BENCH_INPROCESS_COMPARE_ITEMS ?? 5000))));
		const samples: Record<Key, Array<{ cpuMs: number; seconds: number; correct: number }>> = { pack: [], httpRequest: [], expression: [] };
		const given = input(compareItems);
		const orders: Key[][] = [
			['httpRequest', 'pack', 'expression'],
			['pack', 'expression', 'httpRequest'],
			['expression', 'httpRequest', 'pack'],
		];
		for (let round = 0; round < rounds; round++) {
			for (const key of orders[round % orders.length]) {
				gc?.();
				const before = process.cpuUsage();
				const at = process.hrtime.bigint();
				const run = await runWorkflow(workflows[key] as never, { credentials: store, input: given });
				const took = Number(process.hrtime.bigint() - at) / 1e9;
				const used = process.cpuUsage(before);
				samples[key].push({ cpuMs: (used.user + used.system) / 1000, seconds: took, correct: correctOf(key, outputOf(key, run), given) });
			}
		}
		const median = (values: number[]) => {
			const sorted = [...values].sort((a, b) => a - b);
			const middle = Math.floor(sorted.length / 2);
			return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
		};
		const labels: Record<Key, string> = {
			pack: "the pack's Altcraft Market node",
			httpRequest: "n8n's HTTP Request node (same requests)",
			expression: "n8n's floor: Edit Fields, one expression per item",
		};
		const perItem = (key: Key): CpuPerItem => ({
			label: labels[key],
			items: compareItems,
			rounds: samples[key].map((sample) => round3(sample.cpuMs / compareItems)),
			cpuMsPerItem: round3(median(samples[key].map((sample) => sample.cpuMs / compareItems))),
			itemsPerSecond: Math.round(median(samples[key].map((sample) => compareItems / sample.seconds))),
			correct: Math.min(...samples[key].map((sample) => sample.correct)),
		});
		let comparison: CpuComparison | undefined;
		if (rounds > 0) {
			const pack = perItem('pack');
			const httpRequest = perItem('httpRequest');
			const expression = perItem('expression');
			comparison = {
				pack,
				httpRequest,
				expression,
				ratio: round3(pack.cpuMsPerItem / httpRequest.cpuMsPerItem),
				packBeyondFloor: round3(pack.cpuMsPerItem - expression.cpuMsPerItem),
				httpRequestBeyondFloor: round3(httpRequest.cpuMsPerItem - expression.cpuMsPerItem),
			};
		}

		const answer: InProcessResult = {
			items,
			warmupItems,
			seconds: round(seconds, 3),
			itemsPerSecond: Math.round(items / seconds),
			cpuMsPerItem: round3((cpu.user + cpu.system) / 1000 / items),
			correct: correctOf(measured, output, inputItems),
			errors: output.filter((json) => json.error !== undefined).length,
			requests,
			heapBaselineMB: round(baseline.heapUsed / MB),
			heapPeakMB: round(heapPeak / MB),
			heapDeltaMB: round((heapPeak - baseline.heapUsed) / MB),
			rssBaselineMB: round(baseline.rss / MB),
			rssPeakMB: round(rssPeak / MB),
			rssDeltaMB: round((rssPeak - baseline.rss) / MB),
			nodeVersion: process.version,
			maxConcurrency: 5,
			comparison,
		};
		process.stdout.write(`${JSON.stringify(answer)}\n`);
	} finally {
		stopSim();
	}
}

if (require.main === module) {
	const [mode, count] = process.argv.slice(2);
	const items = Number(count ?? 10_000);
	const main = mode === '--simulator' ? simulatorMain(items) : mode === '--worker' ? workerMain(items).then(() => process.exit(0)) : measureInProcess(items).then((result) => console.log(JSON.stringify(result, null, 1)));
	main.catch((error: unknown) => {
		console.error(error instanceof Error ? error.stack : error);
		process.exit(1);
	});
}
