/**
 * `npm run simulators`: the four provider simulators on fixed loopback ports with the demo data, until Ctrl-C.
 * Point an n8n credential's "Custom Base URL" at one of them to try the nodes without a provider account.
 */
import { createDemoSimulators, DEMO_CREDENTIALS, DEMO_PORTS } from './demoData';

async function main(): Promise<void> {
	const simulators = createDemoSimulators();
	const lines: string[] = [];
	for (const [name, simulator] of Object.entries(simulators)) {
		const url = await simulator.start(DEMO_PORTS[name as keyof typeof DEMO_PORTS]);
		const secrets = DEMO_CREDENTIALS[name as keyof typeof DEMO_CREDENTIALS];
		lines.push(`${name.padEnd(12)} ${url}   credential: ${JSON.stringify(secrets)}`);
	}
	console.log('Provider simulators (loopback only). Use "Custom Base URL" in the credentials:\n');
	console.log(lines.join('\n'));
	console.log('\nControl API: GET <url>/__sim/stats, POST <url>/__sim/reset. Ctrl-C stops them.');
	const stop = async () => {
		await Promise.all(Object.values(simulators).map(async (simulator) => await simulator.stop()));
		process.exit(0);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());
}

void main();
