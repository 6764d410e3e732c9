/**
 * `npm start`: the pack in a real n8n, ready to click through. Builds and packs the pack, installs n8n 2.40.7
 * (first run only), starts the four provider simulators with demo orders, installs the pack into a fresh n8n user
 * folder (`.n8n-demo/`) as n8n installs community packages, imports the demo credentials and the example
 * workflows, creates an owner account and prints the URL and the login. Loopback only. Ctrl-C stops everything.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

import { DEMO_PORTS } from '../simulators/demoData';
import { ensureN8n, readSpec } from './install';
import { freePort, n8nEnv, startN8n, stopAll, type RunningN8n } from './n8n';
import { buildAndPack, DEMO_OWNER, importDemo, installPack, PACKAGE_NAME, ROOT, setUpOwner, SimulatorWorld } from './stack';

async function main(): Promise<void> {
	const version = readSpec().n8nVersions[0];
	console.log('Building and packing the pack…');
	const packed = await buildAndPack();
	console.log(`Preparing n8n ${version} (the first run installs it; this takes a few minutes)…`);
	const install = await ensureN8n(version);

	const userFolder = path.join(ROOT, '.n8n-demo');
	rmSync(userFolder, { recursive: true, force: true });
	mkdirSync(userFolder, { recursive: true });
	const missing = await installPack(userFolder, packed.tarball, PACKAGE_NAME);
	packed.cleanUp();
	if (missing.length > 0) throw new Error(`the packed pack lacks ${missing.join(', ')}`);

	const world = new SimulatorWorld();
	await world.start(DEMO_PORTS);
	const port = Number(process.env.N8N_DEMO_PORT ?? 5678);
	const env = n8nEnv(install, userFolder, { http: port, broker: await freePort() });
	const imported = await importDemo(install, env, userFolder, world.urls);
	if (imported.credentials.code !== 0 || imported.workflows.code !== 0) {
		throw new Error(`import failed:\n${imported.credentials.stderr}${imported.workflows.stderr}`.slice(0, 2000));
	}

	console.log('Starting n8n…');
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
	const server = await startN8n(install, env, path.join(userFolder, 'n8n.log'));
	running.server = server;
	await setUpOwner(server.baseUrl);

	console.log(`
n8n ${version} with n8n-nodes-order-status is running (loopback only):

  Open      ${server.baseUrl}
  Sign in   ${DEMO_OWNER.email} / ${DEMO_OWNER.password}

  Workflows: ${imported.examples.map((example) => example.name).join('\n             ')}
  Credentials "… (demo simulator)" point at the provider simulators:
${Object.entries(world.urls)
	.map(([name, url]) => `             ${name.padEnd(12)} ${url}`)
	.join('\n')}

  n8n's log: ${path.join(userFolder, 'n8n.log')}
  Ctrl-C stops n8n and the simulators.`);
}

main().catch(async (error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	await stopAll();
	process.exit(1);
});
