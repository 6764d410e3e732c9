/**
 * `npm run demo`: the same real n8n as `npm start`, without the editor. Runs every example workflow that starts
 * with a Manual Trigger (`n8n execute`) against the demo simulators, and those that start with a Schedule Trigger
 * once by hand (as "Execute workflow" in the editor does: `n8n execute` only starts at a Manual Trigger, so a copy
 * with a Manual Trigger in the schedule's place is imported and run), then prints, per order: the provider, the
 * order, the raw status, the normalised status and the output the item took. Exits 0 when every run succeeded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { INodeParameters } from 'n8n-workflow';

import { configuredOutputs } from '../../nodes/shared/statusRouting';
import { displayPath, ensureN8n, readSpec } from './install';
import { freePort, n8nEnv, parseRawOutput, runN8n, stopAll } from './n8n';
import { buildAndPack, EXAMPLES, importDemo, installPack, PACKAGE_NAME, SimulatorWorld, type ExampleFile } from './stack';

type Json = Record<string, unknown>;

interface Row {
	workflow: string;
	provider: string;
	order: string;
	raw: string;
	status: string;
	output: string;
}

/** The pack nodes' items of one run, each with the name of the output it left by. */
function rowsOf(example: ExampleFile, execution: Json): Row[] {
	const runData = ((execution.data as Json | undefined)?.resultData as Json | undefined)?.runData as Json | undefined;
	const rows: Row[] = [];
	for (const node of example.nodes.filter((candidate) => candidate.type.startsWith(`${PACKAGE_NAME}.`))) {
		const runs = (runData?.[node.name] ?? []) as Array<{ data?: { main?: Array<Array<{ json: Json }> | null> } }>;
		const names = configuredOutputs((node.parameters ?? {}) as INodeParameters).map((output) => output.displayName ?? 'main');
		// The last run of a node that loops (e.g. waiting for a batch) shows where each order ended up.
		const outputs = runs[runs.length - 1]?.data?.main ?? [];
		outputs.forEach((items, index) => {
			for (const { json } of items ?? []) {
				const error = json.error as Json | undefined;
				rows.push({
					workflow: example.name.replace(/^Order status: /, ''),
					// Status and error items name their provider (`altcraft-market`); on the error output it is inside `error`.
					provider: String(json.provider ?? error?.provider ?? node.type.split('.')[1]),
					order: String(json.orderId ?? error?.orderId ?? ''),
					raw: error ? '—' : String(json.statusRaw ?? ''),
					status: error ? `error: ${String(error.message).slice(0, 40)}` : String(json.status),
					output: names[index] ?? 'error output',
				});
			}
		});
	}
	return rows;
}

const SCHEDULE_TRIGGER = 'n8n-nodes-base.scheduleTrigger';
const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';

/** Whether the demo can run the example once by hand: a Schedule Trigger, no Manual Trigger. */
function startsOnSchedule(example: ExampleFile): boolean {
	return !example.manual && example.nodes.some((node) => node.type === SCHEDULE_TRIGGER);
}

/**
 * Imports a copy of a schedule-started example whose Schedule Trigger is a Manual Trigger of the same name (so
 * every connection holds), and returns its id: what "Execute workflow" in the editor runs, for `n8n execute`.
 */
async function importManualCopy(
	install: Parameters<typeof runN8n>[0],
	env: NodeJS.ProcessEnv,
	userFolder: string,
	example: ExampleFile,
): Promise<string> {
	const workflow = JSON.parse(readFileSync(path.join(EXAMPLES, example.file), 'utf8')) as {
		id: string;
		name: string;
		nodes: Array<{ type: string; typeVersion: number; parameters: object }>;
	};
	// Workflow ids may have 16 characters in n8n 1.x (21 in 2.x).
	const id = `${workflow.id.slice(0, 10)}Manual`;
	const copy = {
		...workflow,
		id,
		name: `${workflow.name} (run by hand)`,
		nodes: workflow.nodes.map((node) =>
			node.type === SCHEDULE_TRIGGER ? { ...node, type: MANUAL_TRIGGER, typeVersion: 1, parameters: {} } : node,
		),
	};
	const file = path.join(userFolder, `manual-${example.file}`);
	writeFileSync(file, JSON.stringify(copy, null, 2));
	const imported = await runN8n(install, env, ['import:workflow', `--input=${file}`]);
	if (imported.code !== 0) throw new Error(`importing the manual copy of ${example.file} failed:\n${imported.stderr.slice(-800)}`);
	return id;
}

function printTable(rows: Row[]): void {
	const columns: Array<[keyof Row, string]> = [
		['provider', 'Provider'],
		['order', 'Order'],
		['raw', 'Raw status'],
		['status', 'Normalised'],
		['output', 'Output taken'],
	];
	let workflow = '';
	const widths = columns.map(([key, title]) => Math.max(title.length, ...rows.map((row) => row[key].length)));
	const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i])).join('  ');
	for (const row of rows) {
		if (row.workflow !== workflow) {
			workflow = row.workflow;
			console.log(`\n${workflow}\n  ${line(columns.map(([, title]) => title))}`);
		}
		console.log(`  ${line(columns.map(([key]) => row[key]))}`);
	}
}

async function main(): Promise<void> {
	const version = readSpec().n8nVersions[0];
	console.log(`Building the pack and preparing n8n ${version} (the first run installs it)…`);
	const packed = await buildAndPack();
	const install = await ensureN8n(version);
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'order-status-demo-'));
	const world = new SimulatorWorld();
	let failures = 0;
	try {
		const missing = await installPack(userFolder, packed.tarball, PACKAGE_NAME);
		if (missing.length > 0) throw new Error(`the packed pack lacks ${missing.join(', ')}`);
		await world.start();
		const env = n8nEnv(install, userFolder, { http: await freePort(), broker: await freePort() });
		const imported = await importDemo(install, env, userFolder, world.urls);
		if (imported.credentials.code !== 0 || imported.workflows.code !== 0) throw new Error('importing the demo failed');
		const rows: Row[] = [];
		const runnable = imported.examples.filter((candidate) => candidate.manual || startsOnSchedule(candidate));
		for (const example of runnable) {
			const id = example.manual ? example.id : await importManualCopy(install, env, userFolder, example);
			await world.renew();
			const execution = await runN8n(install, { ...env, N8N_LOG_LEVEL: 'info' }, ['execute', `--id=${id}`, '--rawOutput']);
			if (execution.code !== 0) {
				failures++;
				console.log(`✗ ${example.file}: n8n execute failed\n${execution.stderr.slice(-800)}`);
				continue;
			}
			const shown = example.manual ? example : { ...example, name: `${example.name} (run once by hand)` };
			rows.push(...rowsOf(shown, parseRawOutput(execution.stdout) as Json));
		}
		printTable(rows);
		const skipped = imported.examples.filter((candidate) => !runnable.includes(candidate)).map((example) => example.file);
		console.log(`\nRan in n8n ${version} (installed in ${displayPath(install.dir)}).`);
		if (skipped.length > 0) {
			console.log(`Started by a polling trigger or a callback, so not run here: ${skipped.join(', ')}. Try them with npm start.`);
		}
	} finally {
		packed.cleanUp();
		await stopAll();
		await world.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
	process.exitCode = failures === 0 ? 0 : 1;
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll();
	process.exitCode = 1;
});
