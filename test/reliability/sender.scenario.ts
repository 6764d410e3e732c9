/** Issue 9 scenarios for the Sender node (a static API key in a header). */
import { wrongSecret } from './lib/auth';
import { expectNothingLost, Ledger } from './lib/ledger';
import { actionScenarios } from './lib/scenarios';
import { SECRETS, senderSimulator, senderTarget } from './lib/targets';

const ledger = new Ledger(__filename);
const sim = senderSimulator();
const target = senderTarget(ledger, sim);

// Scenarios reset the simulator's counters often: keep the count of requests that carried the key in the URL.
let keyInUrl = 0;
const resetStats = sim.resetStats.bind(sim);
sim.resetStats = () => {
	keyInUrl += sim.keyInUrl;
	return resetStats();
};

beforeAll(async () => {
	await sim.start(0);
});
afterAll(async () => {
	await sim.stop();
	ledger.flush();
});

describe('Sender', () => {
	actionScenarios(() => target, () => ledger);

	test('auth: a wrong API key fails every item clearly, naming the credential, and stops sending it', async () => {
		await wrongSecret(target, { apiKey: SECRETS.senderWrongKey }, () => sim.count(target.route), 1, 'requests');
		expectNothingLost(ledger, target.label, 'auth: wrong secret');
	});

	test('no request carried the key in its URL', () => {
		const total = keyInUrl + sim.keyInUrl;
		ledger.check(target.label, 'secrets', total === 0, `${total} request(s) carried the API key in the URL`);
		expectNothingLost(ledger, target.label, 'secrets');
	});
});
