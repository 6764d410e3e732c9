/**
 * The steps that put the pack into a real n8n, shared by the end-to-end suite (run.ts), `npm start` (start.ts)
 * and `npm run demo` (demo.ts): build and pack, install the tarball as n8n installs community packages, run the
 * demo simulators, import their credentials and the example workflows.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createDemoSimulators, type DemoSimulators } from '../simulators/demoData';
import { demoCredentials } from './credentials';
import { cleanEnv, type N8nInstall } from './install';
import { RestClient, runN8n, type CommandResult } from './n8n';

export const ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples');
export const PACKAGE_NAME = 'n8n-nodes-order-status';

/** The owner account `npm start` and the browser check create (loopback-only demo instances). */
export const DEMO_OWNER = {
	email: 'owner@order-status.example',
	firstName: 'Demo',
	lastName: 'Owner',
	password: 'Demo-Owner-Passw0rd',
};

export async function setUpOwner(baseUrl: string): Promise<void> {
	const setup = await new RestClient(baseUrl).post('/rest/owner/setup', DEMO_OWNER);
	if (setup.status !== 200) throw new Error(`owner setup failed: HTTP ${setup.status} ${setup.text.slice(0, 300)}`);
}

/** Runs a command and returns its standard output; fails with the end of its output. */
export async function run(command: string, args: string[], cwd: string, env = cleanEnv()): Promise<string> {
	return await new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			output += chunk.toString();
		});
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => {
			if (code === 0) resolve(stdout);
			else reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${output.slice(-4000)}`));
		});
	});
}

export interface PackedPack {
	tarball: string;
	files: number;
	/** Removes the temporary folder of the tarball. */
	cleanUp(): void;
}

/** `npm run build`, then `npm pack` into a temporary folder: the artefact users install. */
export async function buildAndPack(): Promise<PackedPack> {
	await run('npm', ['run', 'build'], ROOT);
	const packDir = mkdtempSync(path.join(os.tmpdir(), 'order-status-pack-'));
	const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', packDir], ROOT)) as Array<{
		filename: string;
		files: unknown[];
	}>;
	return {
		tarball: path.join(packDir, path.basename(packed[0].filename)),
		files: packed[0].files.length,
		cleanUp: () => rmSync(packDir, { recursive: true, force: true }),
	};
}

/**
 * Installs the tarball into `<userFolder>/.n8n/nodes` as n8n installs community packages and returns the
 * files of the `n8n` section of package.json that are missing from it (none, for a good artefact).
 */
export async function installPack(userFolder: string, tarball: string, packageName: string): Promise<string[]> {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(path.join(nodesDir, 'package.json'), '{"name":"installed-nodes","private":true}\n');
	await run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund', tarball], nodesDir);
	const installed = path.join(nodesDir, 'node_modules', packageName);
	const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	return [...manifest.n8n.nodes, ...manifest.n8n.credentials].filter((file) => !existsSync(path.join(installed, file)));
}

export interface ExampleFile {
	file: string;
	id: string;
	name: string;
	/** Whether it starts with a Manual Trigger (so `n8n execute` can run it). */
	manual: boolean;
	nodes: Array<{ name: string; type: string; parameters?: Record<string, unknown> }>;
}

export function readExamples(): ExampleFile[] {
	return readdirSync(EXAMPLES)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Omit<ExampleFile, 'file' | 'manual'>;
			return {
				file,
				id: workflow.id,
				name: workflow.name,
				nodes: workflow.nodes,
				manual: workflow.nodes.some((node) => node.type === 'n8n-nodes-base.manualTrigger'),
			};
		});
}

/** The four demo simulators on the given ports (0: free ports), restartable with fresh demo data. */
export class SimulatorWorld {
	simulators: DemoSimulators = createDemoSimulators();

	readonly urls = {} as Record<keyof DemoSimulators, string>;

	async start(ports: Partial<Record<keyof DemoSimulators, number>> = {}): Promise<void> {
		for (const [name, simulator] of this.entries()) this.urls[name] = await simulator.start(ports[name] ?? 0);
	}

	/** Fresh demo data on the same ports (each example starts from the same world). */
	async renew(): Promise<void> {
		await this.stop();
		this.simulators = createDemoSimulators();
		for (const [name, simulator] of this.entries()) await simulator.start(Number(new URL(this.urls[name]).port));
	}

	async stop(): Promise<void> {
		await Promise.all(this.entries().map(async ([, simulator]) => await simulator.stop()));
	}

	private entries() {
		return Object.entries(this.simulators) as Array<[keyof DemoSimulators, DemoSimulators[keyof DemoSimulators]]>;
	}
}

/** Imports the demo credentials (pointing at the simulators) and every example workflow. */
export async function importDemo(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	userFolder: string,
	urls: SimulatorWorld['urls'],
): Promise<{ credentials: CommandResult; workflows: CommandResult; examples: ExampleFile[] }> {
	const credentialsFile = path.join(userFolder, 'credentials.json');
	writeFileSync(credentialsFile, JSON.stringify(demoCredentials(urls), null, 2));
	const credentials = await runN8n(install, env, ['import:credentials', `--input=${credentialsFile}`]);
	const workflowDir = path.join(userFolder, 'workflows');
	mkdirSync(workflowDir, { recursive: true });
	const examples = readExamples();
	for (const example of examples) {
		writeFileSync(path.join(workflowDir, example.file), readFileSync(path.join(EXAMPLES, example.file)));
	}
	const workflows = await runN8n(install, env, ['import:workflow', '--separate', `--input=${workflowDir}`]);
	return { credentials, workflows, examples };
}
