/**
 * `npm start`: the pack in a real n8n, ready to click through. Builds and packs the pack, installs n8n 2.40.7
 * (first run only), starts the four provider simulators with demo orders, installs the pack into a fresh n8n user
 * folder (`.n8n-demo/`) as n8n installs community packages, imports the demo credentials and the example
 * workflows, creates an owner account and prints the URL and the login. Loopback only. Ctrl-C stops everything.
 * Each phase prints how long it took and the time since the start.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { DEMO_PORTS } from '../simulators/demoData';
import { displayPath, ensureN8n, INSTALL_ROOT, readSpec } from './install';
import { freePort, n8nEnv, startN8n, stopAll, type RunningN8n } from './n8n';
import { buildAndPack, DEMO_OWNER, importDemo, installPack, PACKAGE_NAME, ROOT, setUpOwner, SimulatorWorld } from './stack';

const started = Date.now();
const PHASES = 6;
let phaseNumber = 0;

function seconds(ms: number): string {
	const total = ms / 1000;
	return total >= 60 ? `${Math.floor(total / 60)} min ${Math.round(total % 60)} s` : `${total.toFixed(1)} s`;
}

/** Runs one phase of the start, printing what it does, then how long it took and the time since the start. */
async function phase<T>(what: string, work: () => Promise<T>): Promise<T> {
	phaseNumber++;
	console.log(`[${phaseNumber}/${PHASES}] ${what}…`);
	const phaseStarted = Date.now();
	const result = await work();
	console.log(`[${phaseNumber}/${PHASES}] done in ${seconds(Date.now() - phaseStarted)} (${seconds(Date.now() - started)} since the start)`);
	return result;
}

async function main(): Promise<void> {
	const version = readSpec().n8nVersions[0];
	const installDir = path.join(INSTALL_ROOT, version);
	const firstRun = !existsSync(path.join(installDir, '.installed.json'));

	const packed = await phase('Building and packing the pack', buildAndPack);
	const install = await phase(
		firstRun
			? `Installing n8n ${version} into ${displayPath(installDir)} (first start only: about 3 GB, 4–10 minutes, progress below)`
			: `Checking the n8n ${version} install in ${displayPath(installDir)}`,
		async () => await ensureN8n(version),
	);

	const userFolder = path.join(ROOT, '.n8n-demo');
	await phase(`Installing the packed pack into ${displayPath(userFolder)} as n8n installs community packages`, async () => {
		rmSync(userFolder, { recursive: true, force: true });
		mkdirSync(userFolder, { recursive: true });
		const missing = await installPack(userFolder, packed.tarball, PACKAGE_NAME);
		packed.cleanUp();
		if (missing.length > 0) throw new Error(`the packed pack lacks ${missing.join(', ')}`);
	});

	const world = new SimulatorWorld();
	const port = Number(process.env.N8N_DEMO_PORT ?? 5678);
	const { env, imported } = await phase('Starting the provider simulators and importing the demo credentials and workflows', async () => {
		await world.start(DEMO_PORTS);
		const env = n8nEnv(install, userFolder, { http: port, broker: await freePort() });
		const imported = await importDemo(install, env, userFolder, world.urls);
		if (imported.credentials.code !== 0 || imported.workflows.code !== 0) {
			throw new Error(`import failed:\n${imported.credentials.stderr}${imported.workflows.stderr}`.slice(0, 2000));
		}
		return { env, imported };
	});

	const running: { server?: RunningN8n } = {};
	const stop = async (code: number) => {
		console.log('\nStopping n8n and the simulators…');
		if (running.server) await running.server.stop();
		await stopAll();
		await world.stop();
		process.exit(code);
	};
	process.on('SIGINT', () => void stop(0));
	process.on('SIGTERM', () => void stop(0));
	const server = await phase(`Starting n8n on port ${port} (until it answers)`, async () => {
		const server = await startN8n(install, env, path.join(userFolder, 'n8n.log'));
		running.server = server;
		return server;
	});
	await phase('Creating the owner account', async () => await setUpOwner(server.baseUrl));

	console.log(`
n8n ${version} with n8n-nodes-order-status is running (loopback only), ready after ${seconds(Date.now() - started)}:

  Open      ${server.baseUrl}
  Sign in   ${DEMO_OWNER.email} / ${DEMO_OWNER.password}

  Workflows: ${imported.examples.map((example) => example.name).join('\n             ')}
  Credentials "… (demo simulator)" point at the provider simulators:
${Object.entries(world.urls)
	.map(([name, url]) => `             ${name.padEnd(12)} ${url}`)
	.join('\n')}

  n8n's log: ${displayPath(path.join(userFolder, 'n8n.log'))}
  This keeps running: use a second terminal for npm run demo or npm test. Ctrl-C stops n8n and the simulators.`);
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll();
	process.exit(1);
});
