/**
 * The node's own cost, without a real n8n: the Altcraft Market node run through n8n-core's WorkflowExecute
 * (test/harness/runWorkflow.ts) against the Altcraft simulator at zero latency and without a rate limit.
 *
 * - throughput: items per second for `BENCH_INPROCESS_ITEMS` (default 10,000) items with the node's defaults
 *   (Max Concurrency 5), and the CPU time of this process per item (the simulator runs in its own process, so
 *   its CPU is not counted);
 * - memory: heap and RSS sampled every 5 ms during the run, against a baseline taken after a warm-up run and a
 *   full garbage collection.
 *
 * `measureInProcess()` runs this file as a child process (`--expose-gc`) so that the measurement starts clean;
 * the child starts the simulator as its own child (`--simulator`). Each prints one JSON line.
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
}

const MB = 1024 * 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
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
	const child = spawn(process.execPath, ['--expose-gc', ...TS_NODE, __filename, '--worker', String(items)], {
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
		const workflow = {
			name: 'in-process bench',
			nodes: [
				{ id: 'b1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
				{
					id: 'b2',
					name: 'Altcraft Market',
					type: 'n8n-nodes-order-status.altcraftMarket',
					typeVersion: 1,
					position: [220, 0] as [number, number],
					parameters: { resource: 'order', operation: 'getStatus', identifyBy: 'externalId', orderId: '={{ $json.orderId }}', options: {} },
					credentials: { altcraftApi: { id: 'bench-altcraft', name: 'Altcraft (bench)' } },
				},
			],
			connections: { Start: { main: [[{ node: 'Altcraft Market', type: 'main' as const, index: 0 }]] } },
		};
		const input = (count: number) => Array.from({ length: count }, (_, i) => ({ orderId: `ALT-${i + 1}` }));
		const expected = (id: string) => ['accepted', 'processing', 'delivered'][(Number(id.slice(4)) - 1) % 3];

		// Warm-up: JIT, sockets, module loading.
		const warmupItems = Math.min(1000, items);
		await runWorkflow(workflow as never, { credentials: store, input: input(warmupItems) });

		const gc = (globalThis as { gc?: () => void }).gc;
		gc?.();
		gc?.();
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
		const result = await runWorkflow(workflow as never, { credentials: store, input: inputItems });
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const cpu = process.cpuUsage(cpuBefore);
		clearInterval(sampler);
		const after = process.memoryUsage();
		heapPeak = Math.max(heapPeak, after.heapUsed);
		rssPeak = Math.max(rssPeak, after.rss);

		const output = result.output('Altcraft Market').map((item) => item.json as Json);
		const correct = output.filter((json) => typeof json.orderId === 'string' && json.status === expected(json.orderId)).length;
		simChild.stdin!.write('\n');
		const { requests } = (await readJsonLine(simChild)) as { requests: number };
		const answer: InProcessResult = {
			items,
			warmupItems,
			seconds: round(seconds, 3),
			itemsPerSecond: Math.round(items / seconds),
			cpuMsPerItem: round((cpu.user + cpu.system) / 1000 / items, 3),
			correct,
			errors: output.filter((json) => json.error !== undefined).length,
			requests: requests - warmupItems,
			heapBaselineMB: round(baseline.heapUsed / MB),
			heapPeakMB: round(heapPeak / MB),
			heapDeltaMB: round((heapPeak - baseline.heapUsed) / MB),
			rssBaselineMB: round(baseline.rss / MB),
			rssPeakMB: round(rssPeak / MB),
			rssDeltaMB: round((rssPeak - baseline.rss) / MB),
			nodeVersion: process.version,
			maxConcurrency: 5,
		};
		process.stdout.write(`${JSON.stringify(answer)}\n`);
	} finally {
		stopSim();
	}
}

if (require.main === module) {
	const [mode, count] = process.argv.slice(2);
	const items = Number(count ?? 10_000);
	const main = mode === '--simulator' ? simulatorMain(items) : mode === '--worker' ? workerMain(items).then(() => process.exit(0)) : measureInProcess(items).then((result) => console.log(result));
	main.catch((error: unknown) => {
		console.error(error instanceof Error ? error.stack : error);
		process.exit(1);
	});
}
