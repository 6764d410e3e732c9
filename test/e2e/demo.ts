/**
 * `npm run demo`: the same real n8n as `npm start`, without the editor. Runs every example workflow that starts
 * with a Manual Trigger (`n8n execute`) against the demo simulators and prints, per order: the provider, the
 * order, the raw status, the normalised status and the output the item took. Exits 0 when every run succeeded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { INodeParameters } from 'n8n-workflow';

import { configuredOutputs } from '../../nodes/shared/statusRouting';
import { ensureN8n, readSpec } from './install';
import { freePort, n8nEnv, parseRawOutput, runN8n, stopAll } from './n8n';
import { buildAndPack, importDemo, installPack, PACKAGE_NAME, SimulatorWorld, type ExampleFile } from './stack';

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
					provider: String(json.provider ?? node.type.split('.')[1]),
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
		for (const example of imported.examples.filter((candidate) => candidate.manual)) {
			await world.renew();
			const execution = await runN8n(install, { ...env, N8N_LOG_LEVEL: 'info' }, ['execute', `--id=${example.id}`, '--rawOutput']);
			if (execution.code !== 0) {
				failures++;
				console.log(`✗ ${example.file}: n8n execute failed\n${execution.stderr.slice(-800)}`);
				continue;
			}
			rows.push(...rowsOf(example, parseRawOutput(execution.stdout) as Json));
		}
		printTable(rows);
		const skipped = imported.examples.filter((candidate) => !candidate.manual).map((example) => example.file);
		console.log(`\nRan in n8n ${version}. Trigger-started examples (${skipped.join(', ')}) need an active workflow: try them with npm start.`);
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
